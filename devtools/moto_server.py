"""The local stack's AWS endpoint: moto's server with DynamoDB made transactional and cheap.

Run: python -m devtools.moto_server -H 127.0.0.1 -p 5100 (the same arguments as moto.server).

moto 5.2 serves requests on parallel threads but its DynamoDB backend takes no lock, and
`transact_write_items` deep-copies every touched *table* at its start and, when the transaction is
cancelled, puts that copy back: a concurrent request's writes are wiped, and the deep copy itself
races with other writers ("dictionary changed size during iteration" → HTTP 500). Every Query also
sorts the whole table (`Table.all_items()`) before filtering by key, so each request costs more as
the table grows. Real DynamoDB is none of this; the patches below make moto behave like it for
what this project relies on:

1. one lock around every DynamoDB API call (reads too: moto's `get_item` inserts into a
   defaultdict, and queries iterate the item dicts) — DynamoDB requests are serialised, each one
   is atomic and isolated, as DynamoDB's own items and transactions are;
2. `transact_write_items` remembers only the items it touches and, when cancelled, puts back
   exactly those (a deep copy of one item, not of the table);
3. Query reads only the partition it asks for: the base table by its hash key, a GSI through an
   index of hash value → item keys maintained on every write;
4. item-bearing responses (GetItem, Query, BatchGetItem, …) are written as JSON directly: moto
   already holds them in DynamoDB's wire shape, and its generic shape-driven serializer walks every
   AttributeValue through its ten members with alias lookups (a third of a review-chain test's
   time went there). Bytes become base64 and times epoch seconds, as the serializer writes them;
   anything else unexpected falls back to the serializer;
5. projecting an item on top-level attributes (a ProjectionExpression of names, a GSI's INCLUDE)
   copies those attributes: moto turned the whole item into Python values and back for each;
6. an UpdateExpression string is parsed once (moto parsed it twice per update; the AST is never
   changed: the validator works on a deep copy), and the checks that read only the expression, the
   attribute names and the table's keys (clause counts, overlapping paths, key attributes) are run
   once per (expression, names, keys): moto ran the first two on every node of the tree, each
   walking the subtree below it, a tenth of an in-process test's time. The traversal builds each
   check's map of node types once per walk instead of twice per node;
7. an item is built with one size check: moto summed the sizes of all the attributes already set
   for each attribute it added (quadratic). The check raises at the same attribute, with the same
   error, as the sum of everything before it plus the new one exceeds the limit.

`install()` applies them in-process (tests use it with `mock_aws`), `uninstall()` removes them.
"""
import base64
import contextlib
import copy
import datetime as dt
import json
import sys
import threading

LOCK = threading.RLock()
_ORIGINAL: dict = {}
_IDX = "_local_gsi_index"


# --- the lock ------------------------------------------------------------------------------------

# Actions that change tables or items without going through the hooks below: the GSI index is
# rebuilt after them.
_REINDEX_AFTER = {"CreateTable", "DeleteTable", "UpdateTable", "RestoreTableFromBackup",
                  "RestoreTableToPointInTime", "ImportTable", "ExecuteStatement",
                  "BatchExecuteStatement", "ExecuteTransaction"}
_GENERATION = [0]


def _locked_call_action(self):
    with LOCK:
        try:
            return _ORIGINAL["call_action"](self)
        finally:
            try:
                action = self._get_action()
            except Exception:  # noqa: BLE001 - unknown action: be safe
                action = None
            if action is None or action in _REINDEX_AFTER:
                _GENERATION[0] += 1


# --- transactions that roll back only what they touched ------------------------------------------

def _key_of(table, key_attrs: dict):
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_value = DynamoType(key_attrs[table.hash_key_attr])
    range_value = DynamoType(key_attrs[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _current(table, hash_value, range_value):
    """The stored item or None, without inserting into moto's defaultdict."""
    if range_value is None:
        return table.items.get(hash_value) if not table.range_key_attr else None
    return table.items.get(hash_value, {}).get(range_value)


def _restore(table, hash_value, range_value, original) -> None:
    if original is None:
        if range_value is None:
            table.items.pop(hash_value, None)
        else:
            part = table.items.get(hash_value)
            if part is not None:
                part.pop(range_value, None)
                if not part:
                    table.items.pop(hash_value, None)
    elif range_value is None:
        table.items[hash_value] = original
    else:
        table.items[hash_value][range_value] = original
    _reindex(table, hash_value, range_value)


def _transact_write_items(self, transact_items):
    """moto's transact_write_items, with a per-item undo log instead of whole-table copies."""
    from moto.dynamodb.exceptions import (ConditionalCheckFailed, MockValidationException,
                                          MultipleTransactionsException, TooManyTransactionsException,
                                          TransactionCanceledException, TransactWriteSingleOpException)
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo: list = []            # (table, hash, range, deep copy of the item before, or None)
    seen: set = set()
    errors: list = []

    def rollback():
        for table, hash_value, range_value, original in reversed(undo):
            _restore(table, hash_value, range_value, original)

    from moto.dynamodb.models import get_filter_expression as filter_expression

    with LOCK:
        for item in transact_items:
            original_item = None
            if len(list(item.keys())) > 1:
                rollback()
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                condition = op.get("ConditionExpression")
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                table = self.get_table(table_name)
                if op_type == "Put":
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                marker = (str(table_name), str(dict(sorted(key.items()))))
                if marker in seen:
                    raise MultipleTransactionsException()
                seen.add(marker)
                current = self.get_item(table_name, key)
                if condition is not None:
                    if not filter_expression(condition, names, values).expr(current):
                        if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                            original_item = current.to_json()["Attributes"]
                        raise ConditionalCheckFailed(item=original_item)
                if op_type == "ConditionCheck":
                    errors.append((None, None, None))
                    continue
                hash_value, range_value = _key_of(table, key)
                undo.append((table, hash_value, range_value,
                             copy.deepcopy(_current(table, hash_value, range_value))))
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], condition_expression=condition,
                                  expression_attribute_names=names, expression_attribute_values=values)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, condition_expression=condition,
                                     expression_attribute_names=names, expression_attribute_values=values)
                else:
                    self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                     condition_expression=condition, expression_attribute_names=names,
                                     expression_attribute_values=values)
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                rollback()
                raise
            except ConditionalCheckFailed as exc:
                errors.append(("ConditionalCheckFailed", str(exc.message), original_item))
            except Exception as exc:  # noqa: BLE001 - moto reports it as the item's reason
                errors.append((type(exc).__name__, str(exc), original_item))
        if any(code is not None for code, _, _ in errors):
            rollback()
            raise TransactionCanceledException(errors)


# --- queries that read one partition -------------------------------------------------------------

def _gsi_hash_attrs(table) -> dict:
    out = {}
    for index in table.global_indexes or []:
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        if len(hashes) == 1:
            out[index.name] = hashes[0]
    return out


def _index(table):
    """{index name: {hash value: {(hash, range)}}}, built on first use, kept by every write."""
    attrs = _gsi_hash_attrs(table)
    state = getattr(table, _IDX, None)
    if state is not None and state["attrs"] == attrs and state["generation"] == _GENERATION[0]:
        return state
    state = {"attrs": attrs, "generation": _GENERATION[0], "by_hash": {name: {} for name in attrs}, "of_key": {}}
    setattr(table, _IDX, state)
    for item in table.all_items():
        _index_item(state, (item.hash_key, item.range_key), item)
    return state


def _index_item(state, key, item) -> None:
    old = state["of_key"].pop(key, {})
    for name, value in old.items():
        bucket = state["by_hash"][name].get(value)
        if bucket is not None:
            bucket.discard(key)
            if not bucket:
                del state["by_hash"][name][value]
    if item is None:
        return
    new = {}
    for name, attr in state["attrs"].items():
        value = item.attrs.get(attr)
        if value is not None:
            state["by_hash"][name].setdefault(value, set()).add(key)
            new[name] = value
    if new:
        state["of_key"][key] = new


def _reindex(table, hash_value, range_value) -> None:
    state = getattr(table, _IDX, None)
    if state is not None:
        _index_item(state, (hash_value, range_value), _current(table, hash_value, range_value))


def _table_put_item(self, item_attrs, *args, **kwargs):
    try:
        return _ORIGINAL["put_item"](self, item_attrs, *args, **kwargs)
    finally:
        if getattr(self, _IDX, None) is not None and self.hash_key_attr in item_attrs:
            from moto.dynamodb.models.dynamo_type import DynamoType

            range_value = (DynamoType(item_attrs[self.range_key_attr])
                           if self.range_key_attr and self.range_key_attr in item_attrs else None)
            if not self.range_key_attr or range_value is not None:
                _reindex(self, DynamoType(item_attrs[self.hash_key_attr]), range_value)


def _table_delete_item(self, hash_key, range_key):
    try:
        return _ORIGINAL["delete_item"](self, hash_key, range_key)
    finally:
        _reindex(self, hash_key, range_key)


def _backend_update_item(self, table_name, key, *args, **kwargs):
    try:
        return _ORIGINAL["update_item"](self, table_name, key, *args, **kwargs)
    finally:
        table = self.tables.get(table_name)
        if table is not None and getattr(table, _IDX, None) is not None:
            try:
                hash_value, range_value = _key_of(table, key)
            except (KeyError, TypeError):
                pass
            else:
                _reindex(table, hash_value, range_value)


def _table_query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                 scan_index_forward, projection_expressions, index_name=None, *args,
                 hash_key_conditions=None, **kwargs):
    candidates = None
    if index_name is None and hash_key is not None:
        part = self.items.get(hash_key)
        if part is not None and self.range_key_attr:
            candidates = list(part.values())
        elif part is None:
            candidates = []
    elif index_name is not None:
        state = _index(self)
        attr = state["attrs"].get(index_name)
        conditions = dict(hash_key_conditions or [])
        value = conditions.get(attr) if conditions else hash_key
        if attr is not None and value is not None and (not conditions or set(conditions) == {attr}):
            candidates = [item for key in state["by_hash"][index_name].get(value, ())
                          if (item := _current(self, *key)) is not None]
    if candidates is None:
        return _ORIGINAL["query"](self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                                  scan_index_forward, projection_expressions, index_name, *args,
                                  hash_key_conditions=hash_key_conditions, **kwargs)
    self.all_items = lambda: candidates    # read by moto's query only; we hold the lock
    try:
        return _ORIGINAL["query"](self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                                  scan_index_forward, projection_expressions, index_name, *args,
                                  hash_key_conditions=hash_key_conditions, **kwargs)
    finally:
        del self.all_items


# --- item-bearing responses written straight to JSON ---------------------------------------------

class _NotWire(Exception):
    """A value the direct writer does not know: moto's serializer handles that response."""


def _wire(value):
    """What moto's JSON serializer makes of a result: None members dropped, bytes base64,
    datetimes epoch seconds."""
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime):
        return round(value.timestamp(), 3)     # milliseconds, as the serializer writes
    raise _NotWire(type(value).__name__)


def _direct_execute_result(self, context):
    operation = context.operation_model
    if isinstance(self.result, dict) and operation.output_shape is not None \
            and not operation.has_event_stream_output:
        try:
            body = json.dumps(_wire(self.result), ensure_ascii=False, separators=(",", ":"))
        except _NotWire:
            pass
        else:
            version = context.service_model.metadata.get("jsonVersion", "1.0")
            return 200, {"Content-Type": f"application/x-amz-json-{version}"}, body
    return _ORIGINAL["execute_result"](self, context)


# --- projections on top-level attributes ----------------------------------------------------------

def _item_project(self, projection_expressions):
    if all(len(path) == 1 and "[" not in path[0] for path in projection_expressions):
        from moto.dynamodb.models.dynamo_type import Item

        attrs = {path[0]: copy.deepcopy(self.attrs[path[0]])
                 for path in projection_expressions if path[0] in self.attrs}
        return Item(hash_key=self.hash_key, range_key=self.range_key, attrs=attrs)
    return _ORIGINAL["project"](self, projection_expressions)     # nested paths, list elements


# --- update expressions parsed once, their expression-only checks run once -----------------------

_PARSED: dict = {}            # expression string -> AST (shared: moto's validator deep-copies it)
_EXPRESSION_CHECKED: dict = {}  # (id(AST), names, table keys) -> the AST those checks passed for
_MEMO_LIMIT = 2048
_EXPRESSION_ONLY: tuple = ()  # moto's checks that read only expression, names and keys (set by install)


def _parse_update_expression(cls, expression_str):
    ast = _PARSED.get(expression_str)
    if ast is None:
        ast = _ORIGINAL["parse_update"].__func__(cls, expression_str)
        if len(_PARSED) >= _MEMO_LIMIT:
            _PARSED.clear()
            _EXPRESSION_CHECKED.clear()
        _PARSED[expression_str] = ast
    return ast


def _validator_init(self, expression, *args, **kwargs):
    self._source_ast = expression
    _ORIGINAL["validator_init"](self, expression, *args, **kwargs)


def _validate_update(self):
    """moto's Validator.validate, skipping the expression-only checks for an expression, names and
    keys whose checks passed before (recorded once the whole validation has passed)."""
    source = self.__dict__.get("_source_ast")
    names = self.expression_attribute_names or {}
    key = (id(source), tuple(sorted(names.items())), tuple(self.table.table_key_attrs))
    checked = source is not None and _EXPRESSION_CHECKED.get(key) is source
    n = self.node_to_validate
    for processor in self.processors:
        if not (checked and isinstance(processor, _EXPRESSION_ONLY)):
            n = processor.traverse(n)
    if source is not None and not checked:
        _EXPRESSION_CHECKED[key] = source
    return n


def _traverse(self, node):
    """moto's DepthFirstTraverser.traverse_node_recursively, with the processing map read once."""
    from moto.dynamodb.parsing.ast_nodes import Node

    mapping = list(self._processing_map().items())
    types = tuple(kind for kind, _ in mapping)
    pre = self.pre_processing_of_child

    def walk(node, child_id):
        if isinstance(node, Node):
            parent_node = node.parent
            if node.children is not None:
                for i, child_node in enumerate(node.children):
                    pre(node, i)
                    walk(child_node, i)
            if isinstance(node, types):
                for kind, processor in mapping:
                    if isinstance(node, kind):
                        node = processor(node)
                        break
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
        return node

    return walk(node, -1)


# --- items built with one size check --------------------------------------------------------------

def _item_init(self, hash_key, range_key, attrs):
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    self.hash_key = hash_key
    self.range_key = range_key
    built = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(built)
    size = 0
    for key, value in attrs.items():
        value = DynamoType(value)
        size += bytesize(key) + value.size()
        if size > _ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(built, key, value)
    self.attrs = built


_ITEM_SIZE_LIMIT = 405000     # moto's LimitedSizeDict limit


# --- install ---------------------------------------------------------------------------------------

def install() -> None:
    """Patch moto's DynamoDB in this process (idempotent)."""
    if _ORIGINAL:
        return
    _GENERATION[0] += 1   # writes made while uninstalled were not indexed
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser
    from moto.dynamodb.parsing.validators import (ActionCountValidator, OverlappingPathsValidator,
                                                   UpdateExpressionValidator, UpdateHashRangeKeyValidator)
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    global _EXPRESSION_ONLY
    _EXPRESSION_ONLY = (ActionCountValidator, OverlappingPathsValidator, UpdateHashRangeKeyValidator)
    _ORIGINAL.update(call_action=DynamoHandler.call_action, transact=DynamoDBBackend.transact_write_items,
                     update_item=DynamoDBBackend.update_item, put_item=Table.put_item,
                     delete_item=Table.delete_item, query=Table.query,
                     execute_result=DynamoResult.execute_result, project=Item.project,
                     parse_update=UpdateExpressionParser.__dict__["make"],
                     validator_init=UpdateExpressionValidator.__init__,
                     traverse=DepthFirstTraverser.traverse, item_init=Item.__init__)
    UpdateExpressionParser.make = classmethod(_parse_update_expression)
    UpdateExpressionValidator.__init__ = _validator_init
    UpdateExpressionValidator.validate = _validate_update
    DepthFirstTraverser.traverse = _traverse
    Item.__init__ = _item_init
    Item.project = _item_project
    DynamoResult.execute_result = _direct_execute_result
    DynamoHandler.call_action = _locked_call_action
    DynamoDBBackend.transact_write_items = _transact_write_items
    DynamoDBBackend.update_item = _backend_update_item
    Table.put_item = _table_put_item
    Table.delete_item = _table_delete_item
    Table.query = _table_query


def uninstall() -> None:
    if not _ORIGINAL:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser
    from moto.dynamodb.parsing.validators import UpdateExpressionValidator
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    UpdateExpressionParser.make = _ORIGINAL["parse_update"]
    del UpdateExpressionValidator.__init__      # back to Validator's
    del UpdateExpressionValidator.validate
    DepthFirstTraverser.traverse = _ORIGINAL["traverse"]
    Item.__init__ = _ORIGINAL["item_init"]
    _PARSED.clear()
    _EXPRESSION_CHECKED.clear()
    Item.project = _ORIGINAL["project"]
    del DynamoResult.execute_result     # back to ActionResult's (DynamoResult defines none of its own)
    DynamoHandler.call_action = _ORIGINAL["call_action"]
    DynamoDBBackend.transact_write_items = _ORIGINAL["transact"]
    DynamoDBBackend.update_item = _ORIGINAL["update_item"]
    Table.put_item = _ORIGINAL["put_item"]
    Table.delete_item = _ORIGINAL["delete_item"]
    Table.query = _ORIGINAL["query"]
    _ORIGINAL.clear()


@contextlib.contextmanager
def installed():
    install()
    try:
        yield
    finally:
        uninstall()


class _StatesCredentials:
    """boto3 for moto's state-machine runtime, signing with the keys in a file (read per client):
    its built-in keys ("ak") are refused once IAM is enforced (INITIAL_NO_AUTH_ACTION_COUNT); with
    the state machine role's keys (infra/rehearse.py writes them) its SQS sends are checked too."""

    def __init__(self, path: str):
        self.path = path

    def client(self, *args, **kwargs):
        import json
        import pathlib

        import boto3

        keys = json.loads(pathlib.Path(self.path).read_text(encoding="utf-8"))
        kwargs.update(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"])
        return boto3.client(*args, **kwargs)

    def __getattr__(self, name):
        import boto3

        return getattr(boto3, name)


def main(argv=None) -> None:
    import os

    from devtools import frame_stack

    frame_stack.install()
    install()
    if os.environ.get("MOTO_STATES_CREDENTIALS_FILE"):
        from moto.stepfunctions.parser.asl.utils import boto_client

        boto_client.boto3 = _StatesCredentials(os.environ["MOTO_STATES_CREDENTIALS_FILE"])
    from moto.server import main as moto_main

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
