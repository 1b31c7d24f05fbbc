"""The declaration aggregate: everything stored under one declaration's key (META, modules,
attachments) loaded with one Query, who may act on it (its owner) or read it (units on its current
route), and its views. Services that work on a declaration go through here.
"""
from chalicelib import identifiers as ids
from chalicelib.clock import today_local
from chalicelib.errors import NotFound
from chalicelib.identity import ROLE_APPLICANT, Principal
from chalicelib.matters import registry
from chalicelib.models.base import Entity, db_errors
from chalicelib.models.declarations import (DRAFT, STATUS_LABELS, Attachment, Declaration,
                                            DeclarationModule)

DECL_MISSING = NotFound("申报记录不存在", code="DECLARATION_NOT_FOUND")


class Partition:
    """Everything stored under one declaration's key: META, modules, attachments."""

    def __init__(self, items):
        self.meta = None
        self.modules = {}
        self.attachments = []
        for item in items:
            if isinstance(item, Declaration):
                self.meta = item
            elif isinstance(item, DeclarationModule):
                self.modules[item.module] = item
            elif isinstance(item, Attachment):
                self.attachments.append(item)
        if self.meta is None:
            raise DECL_MISSING

    @property
    def definition(self):
        return registry.get(self.meta.matter_type, include_disabled=True)

    def verified(self, category: str, entry_id: str | None = None) -> list:
        return [a for a in self.attachments if a.category == category and a.state == "verified"
                and (entry_id is None or a.entry_id == entry_id)]


def load_partition(decl_id: str) -> Partition:
    """One Query for the whole declaration."""
    if not decl_id or len(decl_id) > 64:
        raise DECL_MISSING
    with db_errors():
        return Partition(list(Entity.query(f"DECL#{decl_id}")))


def owned(principal: Principal, decl_id: str) -> Partition:
    """The applicant's own declaration (another's is "not found", never "forbidden")."""
    principal.require(ROLE_APPLICANT)
    part = load_partition(decl_id)
    if part.meta.person_id != principal.subject:
        raise DECL_MISSING   # never reveal another applicant's declaration exists
    return part


def readable(principal: Principal, decl_id: str) -> Partition:
    """The owner, or a unit on the declaration's route once it has been submitted to it."""
    part = load_partition(decl_id)
    meta = part.meta
    if principal.is_applicant:
        if meta.person_id != principal.subject:
            raise DECL_MISSING
        return part
    if not on_current_route(principal, meta, reached_only=True):
        raise DECL_MISSING
    return part


def on_current_route(principal: Principal, meta: Declaration, reached_only: bool) -> bool:
    """Units' access follows the current round's route: a declaration withdrawn back to a draft
    (撤销流程) is the applicant's alone until it is declared again, on the route built then."""
    if not meta.round or meta.status == DRAFT:
        return False
    reached = int(getattr(meta, "reached_level", 0) or 0)
    return any(lvl["unit_code"] == principal.unit_code and (not reached_only or lvl["level"] <= reached)
               for lvl in meta.route or [])


# --- views --------------------------------------------------------------------------------------

def _basic_with_identity(content: dict, meta: Declaration, mask: bool) -> dict:
    """ID type/number come from the person's verified profile (on META), never from the form;
    sex and age derive from the number."""
    number = meta.id_number
    return {**content, "id_type": ids.ID_TYPE_RESIDENT,
            "id_number": ids.mask_id_number(number) if mask else number,
            "sex": ids.sex_from_id(number), "age": ids.age_from_id(number, today_local())}


def module_view(module: DeclarationModule, meta: Declaration | None = None, mask: bool = False,
                identity_form: str | None = None) -> dict:
    """A module as clients see it; the identity form (`identity_form`, with `meta`) shows the ID
    number, sex and age from the verified profile."""
    content = module.content
    if module.module == identity_form and isinstance(content, dict) and meta is not None:
        content = _basic_with_identity(content, meta, mask)
    return {"module": module.module, "content": content, "editable": bool(module.editable),
            "saved_at": module.saved_at, "version": module.version}


def attachment_view(att: Attachment) -> dict:
    return {"attachment_id": att.attachment_id, "category": att.category, "entry_id": att.entry_id,
            "slot": att.slot, "file_name": att.file_name, "content_type": att.content_type,
            "size": att.size if att.size is not None else att.declared_size, "state": att.state,
            "reason": att.reason, "created_at": att.created_at}


def summary_view(meta: Declaration) -> dict:
    return {"decl_id": meta.decl_id, "notice_id": meta.notice_id, "notice_title": meta.notice_title,
            "matter_type": meta.matter_type, "year": meta.year, "status": meta.status,
            "status_label": STATUS_LABELS[meta.status], "round": meta.round,
            "unit_code": meta.unit_code, "unit_name": meta.unit_name,
            "person_name": meta.person_name, "id_number": ids.mask_id_number(meta.id_number),
            "created_at": meta.created_at, "updated_at": meta.updated_at,
            "submitted_at": meta.submitted_at}


def full_view(part: Partition, mask: bool = False) -> dict:
    meta = part.meta
    data = summary_view(meta)
    data.update({
        "id_number": ids.mask_id_number(meta.id_number) if mask else meta.id_number,
        "route": meta.route, "editable_modules": list(meta.editable_modules or []),
        "pledge_accepted_at": meta.pledge_accepted_at, "version": meta.version,
        "return_opinion": meta.return_opinion, "result": meta.result, "result_level": meta.result_level,
        "modules": {key: module_view(m, meta, mask, part.definition.identity_form) for key, m in part.modules.items()},
        "attachments": [attachment_view(a) for a in part.attachments],
    })
    return data
