namespace FaceGen.Runtime;

/// <summary>What to do about LibTorchSharp's libstdc++ requirements on this system.</summary>
public enum CompatAction
{
    /// <summary>Every needed libstdc++ version is present: load the original file.</summary>
    LoadOriginal,
    /// <summary>Some versions are missing but no symbol bound to them is ever used: load a copy
    /// in which those version needs are marked weak.</summary>
    LoadWeakenedCopy,
    /// <summary>Missing versions that the library really uses: loading would fail or crash.</summary>
    Refuse,
}

/// <summary>The compat decision with its evidence, so that <c>facegen doctor</c> can show it.</summary>
public sealed record CompatDecision(
    CompatAction Action,
    IReadOnlyList<ElfFile.VersionNeed> MissingVersions,
    IReadOnlyList<string> SymbolsOfMissingVersions,
    string Explanation);

/// <summary>
/// TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> was linked against GCC 13's libstdc++ and so
/// needs the version <c>GLIBCXX_3.4.32</c>, which Debian 12 and Ubuntu 22.04 (GCC 12, up to
/// GLIBCXX_3.4.30) lack: the dynamic linker refuses the file. The only symbol bound to that
/// version is <c>_ZSt21ios_base_library_initv</c>, a marker GCC 13's &lt;iostream&gt; references to
/// pull in libstdc++'s own stream initialisation; no relocation uses it. On GCC 12 the standard
/// streams are initialised by static <c>ios_base::Init</c> objects in libtorch (loaded first).
/// So a copy of the library whose need for that version is flagged weak (VER_FLG_WEAK) loads and
/// works. This class decides, from the bytes of the real files, whether that holds here; it
/// never touches the NuGet cache (the copy lives in the kit's own cache folder).
/// </summary>
public static class LibStdCxxCompat
{
    /// <summary>Decides how to load <paramref name="library"/> given the versions that the
    /// process's libstdc++ defines. A missing version may be weakened only if every dynamic
    /// symbol bound to it is undefined here (imported) and no dynamic relocation refers to it,
    /// i.e. the linker would never have to look the symbol up.</summary>
    public static CompatDecision Decide(ElfFile library, IReadOnlySet<string> providedStdCxxVersions)
    {
        var missing = library.VersionNeeds()
            .Where(n => n.Library.StartsWith("libstdc++", StringComparison.Ordinal) && !n.IsWeak
                        && !providedStdCxxVersions.Contains(n.Version))
            .ToList();
        if (missing.Count == 0)
            return new CompatDecision(CompatAction.LoadOriginal, missing, Array.Empty<string>(),
                "the system libstdc++ provides every version the library needs");

        var symbols = library.DynamicSymbols();
        var relocated = library.RelocatedSymbolIndices();
        var used = new List<string>();
        var names = new List<string>();
        foreach (var need in missing)
        {
            foreach (var s in symbols.Where(s => s.VersionIndex == need.Index))
            {
                names.Add($"{s.Name}@{need.Version}");
                if (s.IsDefined || relocated.Contains(s.TableIndex)) used.Add($"{s.Name}@{need.Version}");
            }
        }
        string versions = string.Join(", ", missing.Select(m => m.Version));
        if (used.Count > 0)
            return new CompatDecision(CompatAction.Refuse, missing, names,
                $"{System.IO.Path.GetFileName(library.Path)} needs {versions}, which this system's libstdc++ lacks, " +
                $"and really uses {string.Join(", ", used)}; install a libstdc++ from GCC 13 or newer " +
                "(e.g. Debian 13 / Ubuntu 24.04, or the libstdc++6 package of a newer release).");
        return new CompatDecision(CompatAction.LoadWeakenedCopy, missing, names,
            $"the system libstdc++ lacks {versions}; the only symbols bound to it ({string.Join(", ", names)}) " +
            "are never relocated against, so a copy with the version need marked weak is safe");
    }

    /// <summary>The libstdc++ the process has loaded (the .NET runtime itself links it), read from
    /// /proc/self/maps; null when none is mapped.</summary>
    public static string? LoadedLibStdCxxPath()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        foreach (var line in File.ReadLines(maps))
        {
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            var path = line[slash..].Trim();
            if (System.IO.Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal))
                return path;
        }
        return null;
    }

    /// <summary>Writes (or reuses, after checking its bytes) the weakened copy of
    /// <paramref name="library"/> under <paramref name="cacheFolder"/>, in a sub-folder named after
    /// the original's SHA-256 so that a TorchSharp upgrade gets a fresh copy. Atomic: a temporary
    /// file is renamed into place.</summary>
    public static string EnsureWeakenedCopy(ElfFile library, CompatDecision decision, string cacheFolder)
    {
        if (decision.Action != CompatAction.LoadWeakenedCopy)
            throw new InvalidOperationException($"No compat copy is needed or allowed: {decision.Explanation}");
        var original = library.ToArray();
        var expected = library.WithWeakVersions(decision.MissingVersions);
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(original))[..16];
        string folder = System.IO.Path.Combine(cacheFolder, "native", hash);
        string target = System.IO.Path.Combine(folder, System.IO.Path.GetFileName(library.Path));
        if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(expected))
            return target;
        Directory.CreateDirectory(folder);
        string temp = target + $".tmp{Environment.ProcessId}";
        File.WriteAllBytes(temp, expected);
        File.Move(temp, target, overwrite: true);
        return target;
    }
}
