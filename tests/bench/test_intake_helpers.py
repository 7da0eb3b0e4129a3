from bench.intake import Load, paired_ratio


def _load(acks: int, seconds: float) -> Load:
    return Load(name="x", statuses={200: acks}, elapsed=seconds)


def test_the_ratio_is_the_median_of_each_rounds_pair_not_of_the_totals():
    # The machine ran at half speed in the last round: both scenarios of that round slowed.
    bare = [_load(3000, 1.0), _load(3000, 1.0), _load(3000, 2.0)]
    webhook = [_load(1500, 1.0), _load(1650, 1.0), _load(1500, 2.0)]
    ratio, ratios = paired_ratio(webhook, bare)
    assert [round(r, 2) for r in ratios] == [0.5, 0.55, 0.5]
    assert ratio == 0.5


def test_a_burst_of_other_work_in_one_round_does_not_decide_the_ratio():
    bare = [_load(3000, 1.0), _load(1000, 1.0), _load(3000, 1.0)]  # round 2's bare view starved
    webhook = [_load(1500, 1.0), _load(1500, 1.0), _load(1560, 1.0)]
    ratio, _ = paired_ratio(webhook, bare)
    assert round(ratio, 2) == 0.52


def test_a_round_whose_baseline_answered_nothing_is_left_out():
    ratio, ratios = paired_ratio([_load(10, 1.0), _load(10, 1.0)], [_load(0, 1.0), _load(20, 1.0)])
    assert ratios == [0.5]
    assert ratio == 0.5
