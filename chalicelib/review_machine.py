"""The contract between the review state machine (infra/statemachine/review.asl.json) and the code
that reads its queue messages and answers its task tokens: message types the machine sends, and the
outcomes its Choice state routes on. tests/unit/test_review_machine.py holds the ASL to these names.
"""
# Queue messages the machine sends (MessageBody.type).
MSG_OPEN_TASK = "open_review_task"   # open the review task of a level (waits for its token)
MSG_ESCALATE = "escalate"            # a level's task is overdue
MSG_COMMITTEE = "committee"          # open the committee-result task (the provincial office)

# Decision outputs (SendTaskSuccess): `outcome` is what RouteDecision switches on, `level` where next.
OUT_NEXT = "next"                    # on to (or back to) a level of the route
OUT_COMMITTEE = "committee"          # the route is done: the committee decides
OUT_RETURNED = "returned"            # back to the applicant
OUT_TERMINATED = "terminated"        # 资格不符, the review ends
OUT_FINAL = "final"                  # the committee's result (ends the execution)

ROUTED_OUTCOMES = (OUT_NEXT, OUT_COMMITTEE, OUT_RETURNED, OUT_TERMINATED)
MESSAGE_TYPES = (MSG_OPEN_TASK, MSG_ESCALATE, MSG_COMMITTEE)
