// Tests run one at a time: torch's global random generator and LibTorch's thread pool are process-wide,
// so two classes training at once would interleave their random draws (breaking the fixed-seed and
// resume-equality checks) and oversubscribe the cores (steps measured 10–20× slower on 2 cores).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
