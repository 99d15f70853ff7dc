"""The backlog: waiting tickets in lanes, offered to agents in rounds. Shared by the live
sidecar (``Router.drain``) and the simulator, so both decide a waiting queue the same way.

- **Lanes.** Every waiting ticket sits in its class's lane (one lane, unless the policy is
  queue-aware), sorted by the router's queue order. With a ``level`` (priority protection,
  ``router.policies.queueing.protected_level``) a lane holds one class at one level.
- **Class ranking.** A queue-aware policy ranks the non-empty lanes for no particular agent
  (the sidecar cannot know who freed capacity between two polls, so neither does the
  simulator), one level at a time: every lane of a higher level comes before any lane of a
  lower one. The lanes are ranked again after every assignment, since ranks may depend on
  queue lengths and waits.
- **Dealing.** Within a round an agent takes at most ``per_round`` tickets; rounds repeat
  while the last one assigned something to an agent it then set aside, so a backlog is
  shared out the way a dealer deals cards instead of flooding the emptiest agent.
  ``per_round=None``: one round, agents take as many as fit.
- **Iterative, with re-checks.** Offering walks the lanes with cursors, never by
  recursion. A ticket refused while nobody was set aside is refused for the rest of the
  offer (loads only grow within an instant); one refused while someone was set aside is
  offered again in the next round.

``offer`` is incremental: the simulator keeps one backlog alive between events and offers
it when something changed; ``Router.drain`` builds one for a one-shot queue. When the
caller knows that only one agent's capacity changed since the last offer ended (it freed
up), ``freed`` names it: every other agent with spare capacity has already refused every
waiting ticket, so tickets that agent cannot take are skipped and a round ends once that
agent is set aside. That is a shortcut, not another rule: the outcome is the one a full
offer would reach. It does not hold when a filter weighs an agent against the rest of the
roster (``roster_wide``: the reserve of ``router.filters.Reserve``, where one agent freeing
capacity lets the others take what they refused): such a backlog ignores ``freed`` and
makes a full offer. Refusals still hold for the rest of an offer: loads only grow within
it, and growing loads only leave fewer agents free.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from router.decision import Choice
from router.eligibility import EXPLAIN_EVERY_AGENT_UP_TO
from router.model import Ticket
from router.policies.queueing import QueueState
from router.queue import SortKey
from router.roster import Roster


class Waiting(Protocol):
    """What the backlog holds for one ticket; ``key`` and ``klass`` are set by ``add``."""

    ticket: Ticket
    key: SortKey
    klass: str

    @property
    def profile(self) -> Hashable | None:
        """Tickets with equal profiles are refused alike at one instant (None: unknown)."""
        ...


W = TypeVar("W", bound=Waiting)

Attempt = Callable[[W, Roster], "Choice | None"]
"""Decide one waiting ticket on a roster view (agents set aside this round are held)."""
Assign = Callable[[W, Choice], Roster]
"""Carry out an assignment; returns the roster after it (the same one, if updated in place)."""
Refuses = Callable[[str, Ticket, Roster, datetime], bool]
"""A cheap pre-check: True when the agent certainly may not take the ticket."""
Rank = Callable[[QueueState, datetime], list[str]]
"""Non-empty classes of waiting tickets, best first."""
Lane = tuple[int, str]
"""A lane's key: the level its tickets wait at (higher first) and their class."""
ONE_LANE: Lane = (0, "")
"""The only lane of a backlog whose policy is not queue-aware."""


@dataclass(slots=True)
class _Progress:
    """Where an offer's rounds start: what its first round already knows (empty: nothing)."""

    final: set[Hashable] = field(default_factory=set)
    """Profiles refused while nobody was set aside: refused for the rest of the offer."""
    settled: dict[Lane, int] = field(default_factory=dict)
    """Per lane, how many head tickets are refused for the rest of the offer."""
    dealt: dict[str, int] = field(default_factory=dict)
    """Tickets each agent took in the first round so far."""
    held: set[str] = field(default_factory=set)
    """Agents set aside for the rest of the first round."""


class Backlog(Generic[W]):
    """Waiting tickets in lanes, and the one way they are offered to agents."""

    def __init__(
        self,
        key: Callable[[Ticket], SortKey],
        per_round: int | None = 1,
        classify: Callable[[Ticket], str] | None = None,
        rank: Rank | None = None,
        level: Callable[[Ticket], int] | None = None,
        roster_wide: bool = False,
    ) -> None:
        """``key``: the queue order; ``classify`` and ``rank``: a queue-aware policy's
        classes and their ranking; ``level``: the level each ticket's class is ranked
        within (None: one level for all); ``roster_wide``: the policy weighs an agent
        against the rest of the roster, so every offer is a full one (``freed`` ignored)."""
        if per_round is not None and per_round < 1:
            raise ValueError("per_round must be >= 1 or None")
        if (classify is None) != (rank is None):
            raise ValueError("a queue-aware backlog needs both classify and rank")
        if level is not None and rank is None:
            raise ValueError("levels rank classes: a backlog with levels needs classify and rank")
        self._key, self._classify, self._rank, self._level = key, classify, rank, level
        self.per_round = per_round
        self.roster_wide = roster_wide
        self._lanes: dict[Lane, list[tuple[SortKey, W]]] = {ONE_LANE: []} if rank is None else {}
        self.size = 0
        """How many tickets wait (``len`` without the call, for hot loops)."""
        self._sized: tuple[Roster | None, bool] = (None, False)  # a roster, and if it is large

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[W]:
        """The waiting tickets, lane by lane, in queue order within each."""
        for lane in self._lanes.values():
            for _, waiting in lane:
                yield waiting

    def add(self, waiting: W) -> None:
        """Put a ticket in its lane (in queue order)."""
        ticket = waiting.ticket
        waiting.key = key = self._key(ticket)
        waiting.klass = klass = "" if self._classify is None else self._classify(ticket)
        level = self._level  # ``_lane_of`` written out: most waiting tickets pass here
        where = (0 if level is None else level(ticket), klass)
        lane = self._lanes.get(where)
        if lane is None:
            lane = self._lanes[where] = []
        insort(lane, (key, waiting))
        self.size += 1

    def remove(self, waiting: W) -> None:
        """Take a waiting ticket out (it gave up, changed, or is about to be offered alone)."""
        lane = self._lanes[self._lane_of(waiting)]
        del lane[bisect_left(lane, (waiting.key,))]
        self.size -= 1

    def _lane_of(self, waiting: W) -> Lane:
        """The lane of a ticket whose class is set: its level and class."""
        level = self._level
        return (0 if level is None else level(waiting.ticket), waiting.klass)

    def offer(
        self,
        now: datetime,
        roster: Roster,
        attempt: Attempt[W],
        assign: Assign[W],
        freed: str | None = None,
        refuses: Refuses | None = None,
    ) -> int:
        """Offer the waiting tickets to the agents of ``roster`` at ``now``; returns how many
        were assigned (they leave the backlog). See the module's description.

        After a completion (``freed``) in one lane, the head ticket is decided before any
        round's bookkeeping is set up: the simulator offers after most completions, and
        most such offers end with the head taken and the freed agent full. When they do
        not, the rounds carry on from where that first step left them, so the outcome is
        the one the rounds alone reach (``_rounds``).
        """
        if self.roster_wide:
            freed = None  # another agent's answers may have changed too: a full offer
        check = refuses if freed is not None else None
        sized = self._sized  # ``_large`` written out for the roster asked about last time
        large = check is not None and (sized[1] if sized[0] is roster else self._large(roster))
        if freed is None or large or self._rank is not None or not self.size:
            return self._rounds(now, roster, attempt, assign, freed, check, large, _Progress())
        lane = self._lanes[ONE_LANE]
        waiting = lane[0][1]
        choice = attempt(waiting, roster)  # nobody set aside or refused yet: no pre-check
        if choice is None:  # what the rounds note for a refused head: on from the next one
            profile = waiting.profile
            progress = _Progress(set() if profile is None else {profile}, {ONE_LANE: 1})
            return self._rounds(now, roster, attempt, assign, freed, check, large, progress)
        del lane[0]
        self.size -= 1
        roster = assign(waiting, choice)
        spare = roster.having_spare_capacity()
        if not spare or freed not in spare:
            return 1  # nobody (else) can take more
        progress = _Progress()
        if self.per_round is not None:  # dealt as the rounds deal
            progress.dealt[choice.agent_id] = 1
            if self.per_round <= 1:
                progress.held.add(choice.agent_id)
        if freed in progress.held:  # the freed agent set aside ends the round: afresh
            progress = _Progress()
        return 1 + self._rounds(now, roster, attempt, assign, freed, check, large, progress)

    def _large(self, roster: Roster) -> bool:
        """Whether ``roster`` is large enough for the pre-check to pay off on its own
        (remembered for the roster last asked about)."""
        if self._sized[0] is not roster:
            self._sized = (roster, len(roster) > EXPLAIN_EVERY_AGENT_UP_TO)
        return self._sized[1]

    def _rounds(
        self,
        now: datetime,
        roster: Roster,
        attempt: Attempt[W],
        assign: Assign[W],
        freed: str | None,
        check: Refuses | None,
        large: bool,
        progress: _Progress,
    ) -> int:
        """``offer``'s rounds, the first one starting from ``progress``.

        Rounds repeat until one ends with nobody set aside (another would change nothing)
        or nobody can take more. One loop over local names rather than a few small methods,
        for the offers that get here.
        """
        lanes, per_round, rank = self._lanes, self.per_round, self._rank
        final = progress.final  # profiles refused while nobody was set aside
        settled = progress.settled  # per lane: head tickets refused for the whole offer
        dealt, held = progress.dealt, progress.held  # this round's
        assigned = 0
        spare_of: Roster | None = None  # the roster ``spare`` was read from (a working
        spare: AbstractSet[str] = frozenset()  # roster's set stays live as it changes)
        while self.size:  # a round
            refused = set(final)
            cursors = dict(settled)
            view = roster.holding(held) if held else roster
            ranking = [ONE_LANE] if rank is None else self._ranking(now)
            position = 0
            while position < len(ranking):
                where = ranking[position]
                lane = lanes[where]
                index = cursors.get(where, 0)
                choice = None
                while index < len(lane):
                    waiting = lane[index][1]
                    profile = waiting.profile
                    if profile is None:
                        choice = attempt(waiting, view)
                    elif profile in refused:
                        pass
                    elif (
                        check is not None
                        and (refused or large)
                        and check(freed, waiting.ticket, view, now)  # type: ignore[arg-type]
                    ):
                        refused.add(profile)
                        if not held:
                            final.add(profile)
                    else:
                        choice = attempt(waiting, view)
                        if choice is None:
                            refused.add(profile)
                            if not held:
                                final.add(profile)
                    if choice is not None:
                        break
                    if not held and index == settled.get(where, 0):
                        settled[where] = index + 1
                    index += 1
                cursors[where] = index
                if choice is None:
                    position += 1
                    continue
                del lane[index]
                self.size -= 1
                roster = assign(waiting, choice)
                assigned += 1
                if roster is not spare_of:
                    spare_of, spare = roster, roster.having_spare_capacity()
                if not spare or (freed is not None and freed not in spare):
                    return assigned  # nobody (else) can take more
                if per_round is not None:
                    agent_id = choice.agent_id
                    count = dealt[agent_id] = dealt.get(agent_id, 0) + 1
                    if count >= per_round:
                        held.add(agent_id)
                if freed is not None and freed in held:
                    break  # nobody else can take anything: on to the next round
                view = roster.holding(held) if held else roster
                if rank is not None:  # class ranks moved: rank again
                    ranking, position = self._ranking(now), 0
            if not held:
                return assigned
            dealt, held = {}, set()
        return assigned

    def _ranking(self, now: datetime) -> list[Lane]:
        """A queue-aware backlog's non-empty lanes, best first: level by level, highest
        first, each level's classes in the policy's ranking."""
        rank = self._rank
        assert rank is not None
        levels: dict[int, list[tuple[SortKey, str]]] = {}
        for (level, klass), lane in self._lanes.items():
            if lane:
                levels.setdefault(level, []).append((lane[0][0], klass))
        ranking: list[Lane] = []
        for level in sorted(levels, reverse=True):
            ranking += [(level, klass) for klass in rank(self._state(level, levels[level]), now)]
        return ranking

    def _state(self, level: int, heads: list[tuple[SortKey, str]]) -> QueueState:
        """What the policy sees of one level: its classes' counts and heads, in the queue
        order of their heads."""
        lanes = self._lanes
        heads.sort()
        return QueueState(
            counts={klass: len(lanes[level, klass]) for _, klass in heads},
            heads={klass: lanes[level, klass][0][1].ticket for _, klass in heads},
        )
