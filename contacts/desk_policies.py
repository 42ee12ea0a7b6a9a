"""A desk's rules for its calls (DeskPolicy), with the defaults for a desk that has no row."""

from contacts.models import DeskPolicy, IdentityQuestion


def desk_policy(desk: str) -> DeskPolicy:
    return DeskPolicy.objects.filter(desk=desk).first() or DeskPolicy(desk=desk)


def identity_questions(desk: str) -> list[str]:
    """The desk's questions, in its order; a code that is not a known question (a PIN typed into
    the admin, say) is never asked."""
    known = set(IdentityQuestion.values)
    return [code for code in desk_policy(desk).identity_questions if code in known]
