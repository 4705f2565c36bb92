"""#follow and #unfollow: who gets the reporter's mail as Cc. The plan only checks the address
against the ticket and the configuration; `desk.apply` writes the follower rows."""
from __future__ import annotations

from dataclasses import replace

from gateway.config import Settings
from gateway.desk.state import Actor, Refusal, State
from gateway.domain import Command, Transition
from gateway.parsers.followers import MAX_FOLLOWERS, is_desk_alias, plain_email
from gateway.text.problems import problem


def follow(command: Command, state: State, transition: Transition, actor: Actor,
           settings: Settings) -> State:
    """Someone outside the desk who is not the reporter and does not follow yet."""
    email = command.args[0]  # lower case, in the form SMTP carries (desk.parse)
    desk = (settings.support.address, *(a.email for a in settings.agents))
    if email in {plain_email(a) or a.lower() for a in desk} or \
            is_desk_alias(email, settings.support.address):
        raise Refusal(problem("follower_is_desk", email=email))
    if email == (plain_email(state.reporter) or state.reporter):
        raise Refusal(problem("follower_is_reporter", email=email))
    if email in state.followers:
        raise Refusal(problem("follows_already", email=email))
    if len(state.followers) >= MAX_FOLLOWERS:
        raise Refusal(problem("too_many_followers", max=MAX_FOLLOWERS))
    return replace(state, followers=(*state.followers, email))


def unfollow(command: Command, state: State, transition: Transition, actor: Actor,
             settings: Settings) -> State:
    email = command.args[0]
    if email not in state.followers:
        raise Refusal(problem("not_a_follower", email=email))
    return replace(state, followers=tuple(f for f in state.followers if f != email))
