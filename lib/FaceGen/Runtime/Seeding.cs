using static TorchSharp.torch;

namespace FaceGen.Runtime;

/// <summary>One seed for every random source: torch's global generator (initialisation, noise) and
/// the <see cref="Random"/> instances the kit derives for shuffling and augmentation. Same seed, same
/// device, same thread count: same numbers on CPU.</summary>
public static class Seeding
{
    /// <summary>Seeds torch's global generator and returns a <see cref="Random"/> for host-side choices.</summary>
    public static Random Seed(int seed)
    {
        TorchRuntime.EnsureInitialized();
        manual_seed(seed);
        return new Random(seed);
    }

    /// <summary>A torch generator seeded independently of the global one (for data that must not
    /// shift when model code draws more or fewer random numbers).</summary>
    public static Generator Generator(long seed)
    {
        TorchRuntime.EnsureInitialized();
        return new Generator((ulong)seed);
    }
}
