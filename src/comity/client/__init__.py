"""A Python client of the Comity API, and the `comity remote` command built on it (docs/api.md).

Generic: every operation of the OpenAPI document is known by its operation id from operations.json
(comity.client.spec), so an operation added to the API is covered once the file is regenerated
(`python scripts/generate_client_operations.py`). Pure Python, standard library only: no Django.
"""

from comity.client.core import Answer, AnswerDict, AnswerList, Client
from comity.client.errors import AuthenticationFailed, ServerUnreachable
from comity.client.spec import OPERATIONS_FILE, load_operations, operations_from_openapi

__all__ = [
           "OPERATIONS_FILE",
           "Answer",
           "AnswerDict",
           "AnswerList",
           "AuthenticationFailed",
           "Client",
           "ServerUnreachable",
           "load_operations",
           "operations_from_openapi",
]
