"""What each lifecycle step means for the other side, and what each message does on arrival.

`OUTGOING_STEPS`: a step a caseworker takes on a request that has a conversation sends a message of this type
(the step's comment becomes the text the type carries). `ARRIVAL_STEPS`: a message of this type arriving in a
conversation takes this step on our request (as the exchange's service account), when the request's status
allows it; otherwise the message is kept and shown, and nothing moves."""

from __future__ import annotations

# (request direction, step name) -> (message type, body builder key)
OUTGOING_STEPS: dict[tuple[str, str], str] = {
    ("outgoing", "send"): "new_request",
    ("outgoing", "submit_formal_request"): "new_request",
    ("outgoing", "supply_information"): "information",
    ("outgoing", "withdraw"): "withdrawal",
    ("incoming", "start_assessment"): "acknowledgement",
    ("incoming", "receive_formal_request"): "acknowledgement",
    ("incoming", "ask_for_information"): "information_request",
    ("incoming", "accept"): "status_update",
    ("incoming", "refuse"): "status_update",
    ("incoming", "grant"): "status_update",
    ("incoming", "record_consent"): "status_update",
    ("incoming", "record_surrender"): "status_update",
    ("incoming", "record_partial_execution"): "execution_result",
    ("incoming", "record_execution"): "execution_result",
    ("incoming", "close"): "status_update",
}

# (message type, status code in a status_update or outcome) -> steps to try on our request, first possible wins
ARRIVAL_STEPS: dict[tuple[str, str], tuple[str, ...]] = {
    ("acknowledgement", ""): ("record_acknowledgement", "record_proceedings"),
    ("information_request", ""): ("record_information_request",),
    ("information", ""): ("receive_information",),
    ("status_update", "refused"): ("record_refusal", "refuse"),
    ("execution_result", "partially_executed"): ("record_partial_execution",),
    ("execution_result", "executed"): ("record_execution",),
    ("withdrawal", ""): ("record_withdrawal",),
}
