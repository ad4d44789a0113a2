"""The quota budget (azure_inference.budget), pure, on a fake clock: rate, fairness, cancellation, corrections."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Iterator

import pytest

from azure_inference.budget import (
    Budget,
    LeasingStore,
    Limits,
    LocalStore,
    budget_key,
    clear_shared_budgets,
    estimate_cost,
    shared_budget,
)


class FakeClock:
    """Monotonic time that moves only when someone sleeps; safe to share between threads."""

    def __init__(self) -> None:
        self.t = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.t += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    clear_shared_budgets()
    yield
    clear_shared_budgets()


def make(clock: FakeClock, limits: Limits, **options: bool) -> Budget:
    store = LocalStore(clock=clock)
    return Budget("k", limits, store, sleep=clock.sleep, async_sleep=clock.async_sleep, **options)


def max_in_window(grants: list[tuple[float, int]], window: float) -> int:
    """The most tokens granted in any window of ``window`` seconds (grants sorted by time)."""
    best, start, running = 0, 0, 0
    for t, cost in grants:
        running += cost
        while grants[start][0] <= t - window:
            running -= grants[start][1]
            start += 1
        best = max(best, running)
    return best


@pytest.mark.parametrize("sync", [True, False])
def test_rate_holds_over_a_simulated_hour(clock: FakeClock, sync: bool) -> None:
    limits = Limits(tokens_per_minute=6_000, requests_per_minute=120, token_window_s=10, request_window_s=10)
    budget = make(clock, limits)
    rng = random.Random(7)
    grants: list[tuple[float, int]] = []

    async def run_async() -> None:
        while clock() < 3600:
            cost = rng.randint(1, 400)
            await budget.acquire_async(cost)
            grants.append((clock(), cost))

    if sync:
        while clock() < 3600:
            cost = rng.randint(1, 400)
            budget.acquire(cost)
            grants.append((clock(), cost))
    else:
        asyncio.run(run_async())
    hour = [(t, c) for t, c in grants if t < 3600]
    total = sum(c for _, c in hour)
    # A token bucket of 10 s: never more than the refill plus one full bucket in any minute or in the hour.
    assert max_in_window(hour, 60.0) <= 6_000 + 1_000
    assert total <= 6_000 * 60 + 1_000
    assert total >= 0.97 * 6_000 * 60  # and it does not leave the quota idle
    assert max(sum(1 for t, _ in hour if s <= t < s + 60) for s in range(0, 3540, 30)) <= 120 + 20


def test_requests_per_minute_alone(clock: FakeClock) -> None:
    budget = make(clock, Limits(requests_per_minute=60, request_window_s=1))
    times = []
    for _ in range(181):
        budget.acquire(10**9)  # tokens are not limited: only the request slots count
        times.append(clock())
    assert times[-1] == pytest.approx(180.0)  # one bucket of 1 at the start, then one per second


def test_fifo_a_big_request_is_not_starved(clock: FakeClock) -> None:
    budget = make(clock, Limits(tokens_per_minute=600, token_window_s=60))  # 10 tokens/s, bucket of 600
    order: list[str] = []

    async def main() -> None:
        await budget.acquire_async(590)  # nearly empties the bucket

        async def want(name: str, cost: int) -> None:
            await budget.acquire_async(cost)
            order.append(name)

        tasks = [asyncio.create_task(want("big", 600))]
        await asyncio.sleep(0)
        tasks += [asyncio.create_task(want(f"small{i}", 5)) for i in range(5)]
        await asyncio.gather(*tasks)

    asyncio.run(main())
    # The smalls would have fit at once (10 tokens were left) but queue behind the big one.
    assert order == ["big", "small0", "small1", "small2", "small3", "small4"]
    assert clock() == pytest.approx(59.0 + 2.5)  # 590 tokens for the big one, then 25 for the smalls


def test_cancelled_waiter_leaves_the_queue_and_takes_nothing(clock: FakeClock) -> None:
    store = LocalStore(clock=clock)
    budget = Budget("k", Limits(tokens_per_minute=600), store, sleep=clock.sleep, async_sleep=clock.async_sleep)

    async def main() -> None:
        await budget.acquire_async(600)
        blocked = asyncio.Event()

        async def forever(seconds: float) -> None:
            blocked.set()
            await asyncio.Event().wait()

        budget._async_sleep = forever  # the head now waits until cancelled
        head = asyncio.create_task(budget.acquire_async(100))
        second = asyncio.create_task(budget.acquire_async(100))
        await blocked.wait()
        assert budget.waiting() == 2
        head.cancel()
        with pytest.raises(asyncio.CancelledError):
            await head
        budget._async_sleep = clock.async_sleep
        reservation = await second  # woken as the new head
        assert reservation.tokens == 100
        assert budget.waiting() == 0

    asyncio.run(main())
    assert store.usage("k")["taken_tokens"] == 700  # the cancelled waiter took nothing


def test_reservation_not_sent_gives_everything_back(clock: FakeClock) -> None:
    store = LocalStore(clock=clock)
    budget = Budget("k", Limits(tokens_per_minute=600, requests_per_minute=6), store, sleep=clock.sleep)
    before = store.usage("k")
    with pytest.raises(asyncio.CancelledError), budget.acquire(300):
        raise asyncio.CancelledError  # cancelled after acquiring, before sending
    assert store.usage("k") == before
    sent = budget.acquire(300)
    sent.sent()
    sent.release()  # too late: the service counted it
    assert store.usage("k")["taken_tokens"] == 300


def test_settle_charges_more_and_refunds_only_when_asked(clock: FakeClock) -> None:
    store = LocalStore(clock=clock)
    budget = Budget("k", Limits(tokens_per_minute=600), store, sleep=clock.sleep)
    r = budget.acquire(100)
    with pytest.raises(RuntimeError, match="needs a sent reservation"):
        r.settle(10)
    r.sent()
    r.settle(250)
    assert store.usage("k")["taken_tokens"] == 250
    r2 = budget.acquire(100)
    r2.sent()
    r2.settle(10)  # the service keeps its arrival estimate: no refund by default
    assert store.usage("k")["taken_tokens"] == 350
    refunding = Budget("k2", Limits(tokens_per_minute=600), store, refund_unused=True)
    r3 = refunding.acquire(100)
    r3.sent()
    r3.settle(10)
    assert store.usage("k2")["taken_tokens"] == 10


def test_headers_lower_the_budget(clock: FakeClock) -> None:
    budget = make(clock, Limits(tokens_per_minute=6_000, requests_per_minute=600))
    budget.observe({"X-RateLimit-Remaining-Tokens": "100", "x-ratelimit-remaining-requests": "50", "other": "x"})
    budget.acquire(100)
    assert clock() == 0.0
    budget.acquire(200)  # 200 more at 100 tokens/s
    assert clock() == pytest.approx(2.0)
    budget.observe({"x-ratelimit-remaining-tokens": "not a number"})  # ignored, not an error
    budget.observe({"x-ratelimit-remaining-tokens": "1000000"})  # never raises the level above ours
    budget.acquire(100)
    assert clock() == pytest.approx(3.0)


def test_429_penalty_blocks_every_caller(clock: FakeClock) -> None:
    budget = make(clock, Limits(tokens_per_minute=6_000))
    budget.penalise(2.5)
    budget.penalise(1.0)  # a shorter penalty does not shorten the first
    budget.acquire(1)
    assert clock() == pytest.approx(2.5)


def test_thread_safety_with_a_fake_clock(clock: FakeClock) -> None:
    limits = Limits(tokens_per_minute=6_000, requests_per_minute=6_000, token_window_s=10)
    store = LocalStore(clock=clock)
    budget = Budget("k", limits, store, sleep=clock.sleep)
    grants: list[tuple[float, int]] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(40):
            cost = rng.randint(10, 200)
            budget.acquire(cost)
            with lock:
                grants.append((clock(), cost))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(grants) == 320
    total = sum(c for _, c in grants)
    assert store.usage("k")["taken_tokens"] == total
    grants.sort()
    running = 0
    for t, cost in grants:  # at every grant: taken so far <= one bucket + what the time refilled
        running += cost
        assert running <= 1_000 + 100 * t + 1e-6
    assert budget.waiting() == 0


def test_one_budget_per_key_in_the_process() -> None:
    limits = Limits(tokens_per_minute=1_000)
    key = budget_key("https://x.openai.azure.com/", "gpt")
    assert key == budget_key("https://x.openai.azure.com", "gpt")
    assert shared_budget(key, limits) is shared_budget(key, limits)
    with pytest.raises(ValueError, match="same tokens_per_minute"):
        shared_budget(key, Limits(tokens_per_minute=2_000))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="tokens_per_minute must be a positive integer"):
        Limits(tokens_per_minute=0)
    with pytest.raises(ValueError, match="token_window_s"):
        Limits(token_window_s=0)
    budget = Budget("k", Limits(tokens_per_minute=10))
    with pytest.raises(ValueError, match="tokens must be an int >= 0"):
        budget.acquire(-1)


def test_leases_keep_two_processes_within_one_quota(clock: FakeClock) -> None:
    shared = LocalStore(clock=clock)
    limits = Limits(tokens_per_minute=6_000, requests_per_minute=600, token_window_s=10)
    workers = [LeasingStore(shared, lease_tokens=300, lease_requests=5, clock=clock) for _ in range(2)]
    budgets = [Budget("k", limits, w, sleep=clock.sleep) for w in workers]
    granted = 0
    for i in range(400):
        budgets[i % 2].acquire(50)
        granted += 50
        assert granted <= 1_000 + 100 * clock() + 2 * 300  # the quota, plus at most one unspent lease each
    remote_calls_bound = shared.usage("k")["taken_requests"]
    assert remote_calls_bound >= 400
    for w in workers:
        w.close()
    assert shared.usage("k")["taken_tokens"] == granted  # the unspent leases went back


def test_a_lease_takes_every_correction_and_forwards_them_at_most_every_interval(clock: FakeClock) -> None:
    shared = LocalStore(clock=clock)
    leasing = LeasingStore(shared, lease_tokens=300, lease_requests=5, clock=clock, correct_every_s=0.25)
    leasing.configure("k", Limits(tokens_per_minute=6_000, token_window_s=10))  # holds 1,000
    assert leasing.take("k", 10, 1) == 0.0  # leases 300: the shared store is at 700
    leasing.correct("k", 200, None)  # the service says 200 are left: the lease (290) drops to 200, the store too
    assert shared.usage("k")["tokens_level"] == 200
    leasing.correct("k", 150, None)  # at once again: the lease follows, the shared store is not asked
    assert shared.usage("k")["tokens_level"] == 200
    assert leasing.take("k", 150, 1) == 0.0  # the lease held exactly 150
    assert shared.usage("k")["tokens_level"] == 200
    clock.sleep(0.25)  # refills 25 tokens; the interval is over, so the next figure reaches the shared store
    leasing.correct("k", 100, None)
    assert shared.usage("k")["tokens_level"] == 100


def test_estimate_cost_follows_the_service() -> None:
    chat = {"messages": [{"role": "user", "content": "x" * 40}, {"role": "user", "content": [{"text": "y" * 9}]}]}
    assert estimate_cost(chat) == 10 + 3
    assert estimate_cost({**chat, "max_tokens": 100}) == 113
    assert estimate_cost({**chat, "max_completion_tokens": 50}) == 63
    assert estimate_cost({"input": ["abcd", "abcdefgh"]}) == 3
    assert estimate_cost({"input": [1, 2, 3, 4, 5]}) == 5
    assert estimate_cost({"input": "abcde", "max_output_tokens": True}) == 2  # a bool is not a limit
