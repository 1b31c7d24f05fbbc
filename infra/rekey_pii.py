"""Re-key every keyed-hash item for a new PII hash key (docs/runbook.md §5).

Keyed items (grep chalicelib for id_number_digest): persons' ID-number claims
(`IDNUM#<digest>`), agents' ID-number and phone index items (`UNIT#<code>` / `AGENTIDNUM#<digest>`,
`AGENTPHONE#<digest>`), 评审结果 rows' `id_hash` with the keyed index built on it
(`GSI1PK=RESULTID#<viewer>#<matter>#<year>#<id_hash>`, the 证件号码 search) and review tasks' index
items (`TASKID#<unit>#<digest>`, the review lists' 证件号码 search). Run with the current key, it also
writes the keyed items that data from before them lacks (agents' phone items, result rows' GSI1
key, tasks' index items). Claims and index items are written
next to the old ones (both keys find them while containers switch); a result row holds one
hash, so it is rewritten — containers reading under both keys (PII_HASH_KEY_PREVIOUS_PARAMETER)
find it either way.

    python -m infra.rekey_pii --region cn-north-1 --table talent-grading-prod-main \
        --new-key-parameter /talent-grading-prod/pii-hash-key-next            # 1. add new claims
    python -m infra.rekey_pii ... --prune                                     # 3. drop old claims

An offline maintenance job, never on a request path: it Scans the table (the one place a Scan
is acceptable). Step 1 writes `IDNUM#<new digest>` for every person next to the old claim
(conditional: absent, or already this person's), so uniqueness holds whichever key a running
container uses. Step 3, after the parameter holds the new key and every container restarted,
runs step 1 again (people created meanwhile) and deletes claims that are not a person's new
digest (conditional on the claim still naming the same person). Prints counts, never an ID
number or a key.
"""
import argparse
import hashlib
import hmac
import sys


RESIDENT = "居民身份证（户口簿）"     # chalicelib.identifiers.ID_TYPE_RESIDENT (a test pins them)
PHONE = "AGENT_PHONE"                # chalicelib.services.units.agent_phone_index (a test pins them)


def digest(key: bytes, id_type: str, id_number: str) -> str:
    """The same keyed hash as chalicelib.pii.id_number_digest (a test pins them)."""
    return hmac.new(key, f"{id_type}|{id_number}".encode(), hashlib.sha256).hexdigest()


def _scan(ddb, table: str, kind: str, projection: str):
    pages = ddb.get_paginator("scan").paginate(
        TableName=table, FilterExpression="#t = :k", ExpressionAttributeNames={"#t": "type", **_names(projection)},
        ExpressionAttributeValues={":k": {"S": kind}}, ProjectionExpression=projection)
    for page in pages:
        yield from page.get("Items", [])


def _names(projection: str) -> dict:
    return {p: p[1:] for p in (x.strip() for x in projection.split(",")) if p.startswith("#") and p != "#t"}


def rekey(ddb, table: str, key: bytes) -> dict:
    """Write each person's claim under the new key. Returns counts (and conflicting person ids)."""
    written = present = 0
    conflicts = []
    for item in _scan(ddb, table, "Person", "PK, person_id, id_type, id_number"):
        person = item["person_id"]["S"]
        pk = f"IDNUM#{digest(key, item['id_type']['S'], item['id_number']['S'])}"
        try:
            ddb.put_item(TableName=table, Item={"PK": {"S": pk}, "SK": {"S": "IDNUM"}, "type": {"S": "PersonIdNumber"},
                                                "person_id": {"S": person}},
                         ConditionExpression="attribute_not_exists(PK) OR person_id = :p",
                         ExpressionAttributeValues={":p": {"S": person}})
            written += 1
        except ddb.exceptions.ConditionalCheckFailedException:
            conflicts.append(person)     # the same ID number claimed by another account: investigate
        present += 1
    agents = rekey_agents(ddb, table, key)
    results = rekey_results(ddb, table, key)
    tasks = rekey_tasks(ddb, table, key)
    return {"persons": present, "claims_written": written, "conflicts": conflicts + agents["conflicts"],
            "agent_index_written": agents["written"], "agent_phone_written": agents["phones"],
            "results_rekeyed": results["rekeyed"], "task_index_written": tasks["written"]}


def _agent_keys(key: bytes, item: dict) -> list:
    """(SK, type) of an agent's keyed index items under `key`: its ID number's and, for an agent that
    is not a legal person, its phone's."""
    keys = []
    number = item.get("id_number", {}).get("S")
    if number:
        keys.append((f"AGENTIDNUM#{digest(key, RESIDENT, number)}", "AgentIdNumber"))
    phone = item.get("phone", {}).get("S")
    if phone and not item.get("is_legal", {}).get("BOOL"):
        keys.append((f"AGENTPHONE#{digest(key, PHONE, phone.strip().upper())}", "AgentPhone"))
    return keys


def rekey_agents(ddb, table: str, key: bytes) -> dict:
    """Each agent: its unit-scoped ID-number and phone index items under the new key."""
    written, phones, conflicts = 0, 0, []
    for item in _scan(ddb, table, "Agent", "PK, agent_id, id_number, phone, is_legal"):
        agent = item["agent_id"]["S"]
        for sk, kind in _agent_keys(key, item):
            try:
                ddb.put_item(TableName=table, Item={"PK": item["PK"], "SK": {"S": sk}, "type": {"S": kind},
                                                    "agent_id": {"S": agent}},
                             ConditionExpression="attribute_not_exists(PK) OR agent_id = :a",
                             ExpressionAttributeValues={":a": {"S": agent}})
                if kind == "AgentPhone":
                    phones += 1
                else:
                    written += 1
            except ddb.exceptions.ConditionalCheckFailedException:
                conflicts.append(agent)
    return {"written": written, "phones": phones, "conflicts": conflicts}


def rekey_results(ddb, table: str, key: bytes) -> dict:
    """Each 评审结果 row: id_hash recomputed under the new key (conditional on the number it hashes)."""
    rekeyed = 0
    for item in _scan(ddb, table, "ResultRow", "PK, SK, id_number, id_hash, viewer_code, matter_type, #year, GSI1PK, submitted_at, decl_id"):
        number = item.get("id_number", {}).get("S")
        if not number:
            continue
        new = digest(key, RESIDENT, number.strip().upper())
        # chalicelib.models.results.ResultRow.id_key (a test pins them)
        parts = [item.get(a, {}).get("S") for a in ("viewer_code", "matter_type", "year")]
        index = "RESULTID#" + "#".join([*parts, new]) if all(parts) else None
        if item.get("id_hash", {}).get("S") == new and item.get("GSI1PK", {}).get("S") == index:
            continue
        update, values = "SET id_hash = :h", {":h": {"S": new}, ":n": {"S": number}}
        if index:
            update += ", GSI1PK = :k, GSI1SK = :s"
            values[":k"] = {"S": index}
            values[":s"] = {"S": f"{item.get('submitted_at', {}).get('S', '')}#{item.get('decl_id', {}).get('S', '')}"}
        try:
            ddb.update_item(TableName=table, Key={"PK": item["PK"], "SK": item["SK"]}, UpdateExpression=update,
                            ConditionExpression="id_number = :n", ExpressionAttributeValues=values)
            rekeyed += 1
        except ddb.exceptions.ConditionalCheckFailedException:
            pass
    return {"rekeyed": rekeyed}


TASK_PROJECTION = "PK, SK, decl_id, #round, #level, unit_code, matter_type, #year, id_number"


def _task_index(key: bytes, task: dict) -> dict | None:
    """A review task's 证件号码 index item under `key`: chalicelib.models.reviews.TaskIdIndex.of
    (a test pins them)."""
    values = {a: task.get(a, {}) for a in ("decl_id", "round", "level", "unit_code", "matter_type", "year", "id_number")}
    text = {a: v.get("S") for a, v in values.items() if "S" in v}
    if not all(text.get(a) for a in ("decl_id", "unit_code", "matter_type", "year", "id_number")) or \
            "N" not in values["round"] or "N" not in values["level"]:
        return None
    number = text["id_number"].strip().upper()
    return {"PK": {"S": f"TASKID#{text['unit_code']}#{digest(key, RESIDENT, number)}"},
            "SK": {"S": f"{text['matter_type']}#{text['year']}#{task['PK']['S']}#{task['SK']['S']}"},
            "type": {"S": "TaskIdIndex"}, "decl_id": {"S": text["decl_id"]},
            "round": values["round"], "level": values["level"]}


def rekey_tasks(ddb, table: str, key: bytes) -> dict:
    """Each review task: its 证件号码 index item under the new key, next to the old one (the old is
    pruned in step 3). The item is a function of the task, so an existing one is left as is."""
    written = 0
    for task in _scan(ddb, table, "ReviewTask", TASK_PROJECTION):
        item = _task_index(key, task)
        if item is None:
            continue
        try:
            ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(PK)")
            written += 1
        except ddb.exceptions.ConditionalCheckFailedException:
            pass
    return {"written": written}


def prune(ddb, table: str, key: bytes) -> dict:
    """Delete claims that are not some person's digest under the new key."""
    keep = {f"IDNUM#{digest(key, i['id_type']['S'], i['id_number']['S'])}"
            for i in _scan(ddb, table, "Person", "PK, id_type, id_number")}
    deleted = kept = 0
    for claim in _scan(ddb, table, "PersonIdNumber", "PK, SK, person_id"):
        if claim["PK"]["S"] in keep:
            kept += 1
            continue
        try:
            ddb.delete_item(TableName=table, Key={"PK": claim["PK"], "SK": claim["SK"]},
                            ConditionExpression="person_id = :p", ExpressionAttributeValues={":p": claim["person_id"]})
            deleted += 1
        except ddb.exceptions.ConditionalCheckFailedException:
            pass
    agents_kept = {(i["PK"]["S"], sk) for i in _scan(ddb, table, "Agent", "PK, id_number, phone, is_legal")
                   for sk, _kind in _agent_keys(key, i)}
    indexes = [*_scan(ddb, table, "AgentIdNumber", "PK, SK, agent_id"), *_scan(ddb, table, "AgentPhone", "PK, SK, agent_id")]
    for index in indexes:
        if (index["PK"]["S"], index["SK"]["S"]) in agents_kept:
            kept += 1
            continue
        try:
            ddb.delete_item(TableName=table, Key={"PK": index["PK"], "SK": index["SK"]},
                            ConditionExpression="agent_id = :a", ExpressionAttributeValues={":a": index["agent_id"]})
            deleted += 1
        except ddb.exceptions.ConditionalCheckFailedException:
            pass
    tasks_kept = set()
    for task in _scan(ddb, table, "ReviewTask", TASK_PROJECTION):
        item = _task_index(key, task)
        if item is not None:
            tasks_kept.add((item["PK"]["S"], item["SK"]["S"]))
    for index in _scan(ddb, table, "TaskIdIndex", "PK, SK"):
        if (index["PK"]["S"], index["SK"]["S"]) in tasks_kept:
            kept += 1
            continue
        ddb.delete_item(TableName=table, Key={"PK": index["PK"], "SK": index["SK"]})
        deleted += 1
    return {"claims_kept": kept, "claims_deleted": deleted}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m infra.rekey_pii", description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--new-key-parameter", required=True, help="SSM SecureString holding the new key")
    parser.add_argument("--prune", action="store_true", help="step 3: re-run, then delete old claims")
    args = parser.parse_args(argv)
    import boto3

    key = boto3.client("ssm", region_name=args.region).get_parameter(
        Name=args.new_key_parameter, WithDecryption=True)["Parameter"]["Value"]
    if len(key) < 32:
        raise SystemExit(f"{args.new_key_parameter}: a key shorter than 32 characters is refused")
    ddb = boto3.client("dynamodb", region_name=args.region)
    result = rekey(ddb, args.table, key.encode())
    print(f"persons {result['persons']}, claims written {result['claims_written']}, agent index items written "
          f"{result['agent_index_written']}, agent phone items written {result['agent_phone_written']}, results re-keyed {result['results_rekeyed']}, "
          f"task index items written {result['task_index_written']}, "
          f"conflicts {len(result['conflicts'])}")
    for person in result["conflicts"]:
        print(f"  conflict: person {person}")
    if args.prune:
        if result["conflicts"]:
            raise SystemExit("conflicts first: nothing pruned")
        print("pruned: kept {claims_kept}, deleted {claims_deleted}".format(**prune(ddb, args.table, key.encode())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
