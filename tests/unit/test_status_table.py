"""The status tables: every flow reads its allowed-from sets and next statuses from models/status.py."""
import pytest

from chalicelib.models import status as st
from chalicelib.models.declarations import Declaration, EDITABLE_STATUSES, STATUS_LABELS
from chalicelib.models.reviews import BUCKET_OF_STATE, ReviewTask


def test_declaration_rules_as_the_manuals_state_them():
    assert st.allowed_from(st.DECLARATION, st.SUBMIT) == (st.DRAFT, st.RETURNED)
    assert st.allowed_from(st.DECLARATION, st.WITHDRAW) == (st.RETURNED,)      # 撤销流程 only when returned
    assert st.allowed_from(st.DECLARATION, st.DELETE) == (st.DRAFT,)           # only a draft is deleted
    assert EDITABLE_STATUSES == (st.DRAFT, st.RETURNED)
    for event in (st.OPEN_LEVEL, st.DECIDE, st.RETURN, st.TERMINATE, st.APPROVE, st.REJECT):
        assert st.allowed_from(st.DECLARATION, event) == (st.SUBMITTED,)
    assert st.next_status(st.DECLARATION, st.RETURNED, st.SUBMIT) == st.SUBMITTED
    assert st.next_status(st.DECLARATION, st.SUBMITTED, st.RETURN) == st.RETURNED
    assert st.next_status(st.DECLARATION, st.SUBMITTED, st.APPROVE) == st.APPROVED
    assert st.next_status(st.DECLARATION, st.SUBMITTED, st.REJECT) == st.TERMINATED


def test_final_statuses_allow_nothing():
    for final in (st.APPROVED, st.TERMINATED):
        assert not any(status == final for status, _ in st.DECLARATION)
    with pytest.raises(KeyError):
        st.next_status(st.DECLARATION, st.APPROVED, st.SUBMIT)


def test_every_status_in_the_tables_is_known_and_labelled():
    for (status, _), nxt in st.DECLARATION.items():
        assert status in STATUS_LABELS and (nxt in STATUS_LABELS or nxt == st.DELETED)
    for (state, _), nxt in st.TASK.items():
        assert state in (*BUCKET_OF_STATE, st.NEW) and nxt in BUCKET_OF_STATE


def test_task_rules():
    assert st.allowed_from(st.TASK, st.TASK_OPEN) == (st.NEW, st.DONE)
    assert st.allowed_from(st.TASK, st.TASK_SEND) == (st.TO_SEND,)
    assert st.allowed_from(st.TASK, st.TASK_REPORT) == (st.TO_SEND,)
    for event in (st.TASK_DECIDE, st.TASK_AWAIT_SEND, st.TASK_RESULT, st.TASK_URGE, st.TASK_FLAG, st.TASK_REARM):
        assert st.allowed_from(st.TASK, event) == (st.OPEN,)
    assert st.next_status(st.TASK, st.OPEN, st.TASK_AWAIT_SEND) == st.TO_SEND
    assert st.next_status(st.TASK, st.TO_SEND, st.TASK_SEND) == st.DONE


def test_write_guards_are_built_from_the_table():
    one = st.condition(Declaration.status, st.DECLARATION, st.RETURN)
    assert one.serialize({}, {}) == (Declaration.status == st.SUBMITTED).serialize({}, {})
    names, values = {}, {}
    text = st.condition(Declaration.status, st.DECLARATION, st.SUBMIT).serialize(names, values)
    assert " IN " in text and {v["S"] for v in values.values()} == {st.DRAFT, st.RETURNED}
    # a None "status" (no item yet) never reaches a condition
    assert st.condition(ReviewTask.state, st.TASK, st.TASK_OPEN).serialize({}, {}) == \
        (ReviewTask.state == st.DONE).serialize({}, {})
