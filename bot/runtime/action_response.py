"""Validation of action-server responses with a validator built once.

Rasa's `RemoteAction._validate_action_result` calls `jsonschema.validate`, which re-checks Rasa's own
(constant) response schema against the JSON Schema meta-schema on every call. With jsonschema 4.17 that
check costs far more than validating the response itself: half of a form turn's CPU time. We validate
against the same schema with the same validator class, checked once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def response_validator() -> Validator:
    """The validator for Rasa's action response schema, the schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """Raise ValidationError (with Rasa's hint) when the action server's response is malformed."""
    try:
        response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            "Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def install() -> None:
    """Make every remote action in this process validate with the prebuilt validator."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
