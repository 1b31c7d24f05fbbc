"""The state machine's definition and the code speak the same names (chalicelib/review_machine.py)."""
import json
import pathlib

from chalicelib import review_machine as machine

ASL = pathlib.Path(__file__).resolve().parents[2] / "infra" / "statemachine" / "review.asl.json"


def _states():
    return json.loads(ASL.read_text(encoding="utf-8"))["States"]


def test_every_message_type_the_machine_sends_is_one_the_code_reads():
    sent = {state["Parameters"]["MessageBody"]["type"] for state in _states().values()
            if "MessageBody" in state.get("Parameters", {})}
    assert sent == set(machine.MESSAGE_TYPES)


def test_the_decision_choice_routes_on_exactly_the_outcomes_the_code_sends():
    routed = {choice["StringEquals"] for state in _states().values() if state["Type"] == "Choice"
              for choice in state["Choices"] if choice.get("Variable") == "$.decision.outcome"}
    assert routed == set(machine.ROUTED_OUTCOMES)
