"""pynamodb entities of the single table (infra/template.yaml: MainTable, GSI1, GSI2).

Access patterns: who asks, the key used, the index, the page size. Every request path is a
GetItem, a Query or a TransactWriteItems; nothing reads the whole table.

| # | pattern (who) | operation, key | index | page |
|---|---|---|---|---|
| 1 | caller's agent account enabled? (authorizer, cached per token; again on a unit-side write, /me, 审核详情: consistent GetItem UNIT#<code> / AGENT#<id>) | GetItem UNIT#<code> / AGENT#<id>; by phone: GetItem UNIT#<code> / AGENTPHONE#<hmac>, then BatchGetItem agent + unit | table | 1 |
| 2 | my profile (applicant) | GetItem PERSON#<id> / PROFILE | table | 1 |
| 3 | ID number already used? (profile create) | ConditionCheck/Put IDNUM#<hmac> | table | 1 |
| 4 | a unit by credit code (anyone) | GetItem UNIT#<code> / PROFILE | table | 1 |
| 5 | a unit's agents (legal person) | Query UNIT#<code>, SK begins_with AGENT# | table | ≤ 1 MB |
| 6 | my binding (applicant) | GetItem PERSON#<id> / BINDING | table | 1 |
| 7 | binding requests waiting for/decided by a unit | Query GSI1PK=BINDREQ#<unit>#<kind>#PENDING|DONE, newest first | GSI1 | 20 (≤100) |
| 8 | superior chain of a unit (route, cycle check) | GetItem per level, ≤ 10 levels | table | 1 each |
| 9 | HR bureau of a region; the province | GetItem REGION#<code> / HRBUREAU | table | 1 |
| 10 | the year's published notices (applicants): one matter's, or every matter's for the menu of open matters | Query GSI1PK=NOTICES#<year>, SK begins_with <matter>#, newest first (the menu: the whole partition, one Query) | GSI1 | 20 (menu ≤ 200) |
| 11 | all notices (provincial office) | Query GSI2PK=NOTICES#ALL | GSI2 | 20 |
| 12 | a whole declaration: META, modules, attachments | Query PK=DECL#<id> | table | 1 call |
| 13 | my declarations (applicant) | Query GSI1PK=PERSON#<id>#DECL, newest first | GSI1 | 20 |
| 14 | one live declaration per person and notice | Put PERSON#<id> / LIVE#<notice> if not exists | table | - |
| 15 | save one module (applicant) | UpdateItem DECL#<id> / MOD#<m>, condition owner ∧ editable ∧ version | table | 1 call |
| 16 | a unit's review tasks by bucket (待审核/待送审/办结/已退回) | Query GSI1PK=TASKS#<unit>#<matter>#<year>#<bucket>, newest first | GSI1 | 20 |
| 16a | the same, by 证件号码 (keyed hash): that person's entries in the list | Query PK=TASKID#<unit>#<hmac(id)>, SK begins_with <matter>#<year># (TaskIdIndex, written in the task-open transaction), then BatchGetItem of the tasks (or 已退回 marks) it names; list, 姓名 checked on those | table | the person's tasks at the unit (≤ 100) |
| 17 | this round's tasks of a declaration | Query PK=DECL#<id>, SK begins_with TASK#<round> | table | ≤ levels |
| 18 | open tasks due on a day (reminder/overdue sweep) | Query GSI2PK=DUE#<yyyy-mm-dd> | GSI2 | all of the day |
| 19 | decisions recorded but not delivered (sweep) | Query GSI2PK=OUTBOX | GSI2 | 100 |
| 20 | results of the declarations that passed through a level (every unit on the route, the province all), filtered by 评定状态 (key) and 姓名/证件号码 hash/推荐单位/市州/申请评定级别/人才认定分类/评审后评定级别 (filter) | Query GSI2PK=RESULTS#<viewer>#<matter>#<year>, SK begins_with <评定状态>#; ResultRow PK=DECL#<id> SK=RESULT#<viewer> written in the submit / task-open transaction, rewritten in the result transaction | GSI2 | 20 (≤100), ≤ 200 items read per request then a cursor / export streamed |
| 20a | the same, by 证件号码 (keyed hash): that person's rows at the level | Query GSI1PK=RESULTID#<viewer>#<matter>#<year>#<hmac(id)> (+ the other filters) | GSI1 | the person's rows (≤ a few) |
| 21 | workbench counts of a unit for a year | Query PK=COUNT#<unit>#<year> (all matters × shards) | table | 1 call |
| 22 | progress of a declaration (audit trail) | Query PK=AUDIT#DECL#<id> | table | ≤ 1 MB |
| 23 | my common opinions (reviewer) | Query PK=OPINIONS#<agent> | table | 50 |
| 24 | an export job (its creator) | GetItem EXPORT#<id> | table | 1 |
| 25 | demo logins (local stage only) | Query GSI1PK=DEVLOGINS | GSI1 | all |

| 26 | 行政区划 names (GB/T 2260, Jilin) | data file chalicelib/geo/jilin_gbt2260.json | - | - |
| 27 | 绑定状态 of a unit looked up for binding | GetItem UNIT#<caller> / PROFILE (+ #4) | table | 1 |
| 28 | an agent's phone / ID number already listed in the unit? (add, edit, re-enable) | Put UNIT#<code> / AGENTPHONE#<hmac> · AGENTIDNUM#<hmac> if not exists, in the agent's TransactWrite (+ #5 filtered by phone: agents listed before the index existed) | table | 1 |
| 29 | a certificate by number (public verify, holder, province) | GetItem CERT#<number> / CERT | table | 1 |
| 30 | my certificates (holder, 我的证书) | Query GSI1PK=PERSON#<id>#CERT, newest first | GSI1 | 20 (≤100) |
| 31 | certificates of a matter and year (province list, filter 状态/姓名 (filter); export job) | Query GSI2PK=CERTS#<matter>#<year>, newest first | GSI2 | 20 (≤100), filtered ≤ 500 items read per request then `budget_reached` + cursor / export streamed by the export worker |
| 32 | has this result a certificate? (issuing, one per result) | GetItem / Put-if-absent CERTFOR#<decl> / CERT | table | 1 |
| 33 | is this PDF an issued original? (public verify) | GetItem CERTPDF#<sha256> / CERT | table | 1 |
| 34 | issuing job progress (province) / resume cursor (worker) | GetItem CERTJOB#<id> / JOB | table | 1 |
| 35 | the signing key's X.509 certificate | GetItem CERTKEY#<kms key> / X509 | table | 1 per container |
| 36 | verify throttle per client and minute | UpdateItem ADD THROTTLE#<hash>#<minute> / COUNT if count < limit (TTL) | table | 1 |

Writes that change several items go in one TransactWriteItems (decision + declaration + counter
shard + audit record; binding decision + request + counters + audit; submit + modules lock +
binding lock + audit) with a ClientRequestToken derived from the operation.
"""

# ResultRow items live in declaration partitions, which Entity.query reads polymorphically:
# registering its discriminator here means any reader of a DECL# partition knows the type.
from chalicelib.models import results as _results  # noqa: E402,F401
