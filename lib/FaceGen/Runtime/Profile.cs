namespace FaceGen.Runtime;

/// <summary>How big the notebooks' training runs are: <c>quick</c> (tests and CI: each notebook well under two
/// minutes on a 2-core CPU), <c>standard</c> (a person on a laptop CPU: minutes, results that look right),
/// <c>full</c> (a GPU). Chosen by the environment variable <c>FACEGEN_PROFILE</c> (default: standard).</summary>
public static class Profile
{
    public const string Variable = "FACEGEN_PROFILE";

    public static string Current
    {
        get
        {
            var value = (Environment.GetEnvironmentVariable(Variable) ?? "standard").Trim().ToLowerInvariant();
            return value is "quick" or "standard" or "full" ? value
                : throw new ArgumentException($"{Variable}={value}: expected quick, standard or full.");
        }
    }

    /// <summary>The value for the current profile, e.g. <c>Profile.Pick(quick: 100, standard: 1500, full: 10000)</c> steps.</summary>
    public static T Pick<T>(T quick, T standard, T full) => Current switch
    {
        "quick" => quick,
        "full" => full,
        _ => standard,
    };
}
