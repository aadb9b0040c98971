using System.Runtime.InteropServices;
using System.Security.Cryptography;
using FaceGen.Data;
using FaceGen.Runtime;
using TorchSharp;

namespace FaceGen.Tests;

public class RuntimeTests
{
    static readonly NativeLoadReport Report = TorchRuntime.EnsureInitialized();

    /// <summary>The real LibTorchSharp shipped with TorchSharp-cpu, as copied next to the test assembly.</summary>
    static string OriginalLibTorchSharp => Report.LibTorchSharpOriginal
        ?? throw new InvalidOperationException("These tests run on Linux only.");

    static bool SystemHasGlibcxx3432 =>
        ElfFile.Read(Report.LibStdCxx!).VersionDefinitions().Contains("GLIBCXX_3.4.32");

    [Fact]
    public void InitialiserIsIdempotentAndTorchComputes()
    {
        Assert.Same(Report, TorchRuntime.EnsureInitialized());
        using var a = torch.tensor(new float[] { 1, 2, 3 });
        Assert.Equal(14f, a.dot(a).item<float>());
    }

    [Fact]
    public void ProcessLibStdCxxIsFoundAndDefinesItsVersions()
    {
        Assert.True(RuntimeInformation.IsOSPlatform(OSPlatform.Linux), "runtime tests target Linux");
        Assert.NotNull(Report.LibStdCxx);
        var versions = ElfFile.Read(Report.LibStdCxx!).VersionDefinitions();
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Contains("GLIBCXX_3.4.30", versions); // GCC 12 or newer: every supported system
    }

    [Fact]
    public void RealLibTorchSharpNeedsExactlyOneMissingVersionBoundToOneUnusedSymbol()
    {
        var elf = ElfFile.Read(OriginalLibTorchSharp);
        var needs = elf.VersionNeeds().Where(n => n.Library == "libstdc++.so.6").Select(n => n.Version).ToList();
        Assert.Contains("GLIBCXX_3.4.32", needs);

        // Decide as on a GCC 12 system (everything except 3.4.32 present), whatever this machine has.
        var gcc12 = needs.Where(v => v != "GLIBCXX_3.4.32").ToHashSet();
        var decision = LibStdCxxCompat.Decide(elf, gcc12);
        Assert.Equal(CompatAction.LoadWeakenedCopy, decision.Action);
        Assert.Equal("GLIBCXX_3.4.32", Assert.Single(decision.MissingVersions).Version);
        Assert.Equal("_ZSt21ios_base_library_initv@GLIBCXX_3.4.32", Assert.Single(decision.SymbolsOfMissingVersions));
    }

    [Fact]
    public void DecisionLoadsTheOriginalWhenEverythingIsProvidedAndRefusesWhenUsedSymbolsAreMissing()
    {
        var elf = ElfFile.Read(OriginalLibTorchSharp);
        var all = elf.VersionNeeds().Select(n => n.Version).ToHashSet();
        Assert.Equal(CompatAction.LoadOriginal, LibStdCxxCompat.Decide(elf, all).Action);

        // Without GLIBCXX_3.4.30 (GCC 11's libstdc++) the library would use missing symbols: refuse, naming them.
        all.Remove("GLIBCXX_3.4.30");
        var refused = LibStdCxxCompat.Decide(elf, all);
        Assert.Equal(CompatAction.Refuse, refused.Action);
        Assert.Contains("GLIBCXX_3.4.30", refused.Explanation);
        Assert.Contains("@GLIBCXX_3.4.30", refused.Explanation);
        Assert.Contains("GCC 13", refused.Explanation);
    }

    [Fact]
    public void ThisMachinesDecisionMatchesItsLibStdCxxAndTheLoadedFile()
    {
        var decision = Report.Compat!;
        if (SystemHasGlibcxx3432)
        {
            Assert.Equal(CompatAction.LoadOriginal, decision.Action);
            Assert.Equal(Report.LibTorchSharpOriginal, Report.LibTorchSharpLoaded);
        }
        else
        {
            Assert.Equal(CompatAction.LoadWeakenedCopy, decision.Action);
            Assert.True(Report.CompatCopyInUse);
            Assert.StartsWith(Path.Combine(TorchRuntime.CacheFolder, "native"), Report.LibTorchSharpLoaded);
            // The precondition is real: the unmodified file does not load here.
            Assert.False(NativeLibrary.TryLoad(OriginalLibTorchSharp, out _));
        }
    }

    [Fact]
    public void WeakenedCopyChangesOnlyTheFlagAndLeavesTheOriginalUntouched()
    {
        var elf = ElfFile.Read(OriginalLibTorchSharp);
        var needs = elf.VersionNeeds().Select(n => n.Version).Where(v => v != "GLIBCXX_3.4.32").ToHashSet();
        var decision = LibStdCxxCompat.Decide(elf, needs);
        string before = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(OriginalLibTorchSharp)));

        var cache = TestPaths.NewTempFolder();
        var copyPath = LibStdCxxCompat.EnsureWeakenedCopy(elf, decision, cache);

        Assert.Equal(before, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(OriginalLibTorchSharp))));
        var original = File.ReadAllBytes(OriginalLibTorchSharp);
        var copy = File.ReadAllBytes(copyPath);
        Assert.Equal(original.Length, copy.Length);
        var differing = Enumerable.Range(0, copy.Length).Where(i => copy[i] != original[i]).ToList();
        Assert.Equal(new[] { (int)decision.MissingVersions[0].FlagsOffset }, differing); // one byte of vna_flags
        var patched = ElfFile.Read(copyPath).VersionNeeds().Single(n => n.Version == "GLIBCXX_3.4.32");
        Assert.True(patched.IsWeak);
        Assert.All(ElfFile.Read(copyPath).VersionNeeds().Where(n => n.Version != "GLIBCXX_3.4.32"), n => Assert.False(n.IsWeak));

        // A damaged copy is detected and rewritten; a good one is reused.
        File.WriteAllBytes(copyPath, new byte[] { 1, 2, 3 });
        Assert.Equal(copyPath, LibStdCxxCompat.EnsureWeakenedCopy(elf, decision, cache));
        Assert.Equal(copy, File.ReadAllBytes(copyPath));
        var stamp = File.GetLastWriteTimeUtc(copyPath);
        LibStdCxxCompat.EnsureWeakenedCopy(elf, decision, cache);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copyPath));
    }

    [Fact]
    public void NonElfFileIsRejectedByName()
    {
        var path = Path.Combine(TestPaths.NewTempFolder(), "not-a-library.so");
        File.WriteAllText(path, "hello");
        var ex = Assert.Throws<InvalidDataException>(() => ElfFile.Read(path));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void DeviceAndThreadOptionsAreResolvedInOnePlace()
    {
        Assert.Equal(DeviceType.CPU, Devices.Resolve("cpu").type);
        Assert.Equal(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, Devices.Resolve("auto").type);
        var unknown = Assert.Throws<ArgumentException>(() => Devices.Resolve("tpu"));
        Assert.Contains("tpu", unknown.Message);
        if (!torch.cuda.is_available())
            Assert.Contains("CUDA is not available", Assert.Throws<ArgumentException>(() => Devices.Resolve("cuda")).Message);
        int threads = torch.get_num_threads();
        try
        {
            Assert.Equal(1, Devices.ConfigureThreads(1));
            Assert.Throws<ArgumentException>(() => Devices.ConfigureThreads(0));
        }
        finally { torch.set_num_threads(threads); }
    }

    [Fact]
    public void DoctorIsHealthyAndProvesTheComputation()
    {
        var report = DoctorReport.Run("cpu").With(new DatasetRegistry().DoctorChecks());
        Assert.True(report.Healthy, report.Failure);
        Assert.Contains(report.Checks, c => c.Name == "Tensor proof" && c.Value.Contains("[[7,10],[15,22]]"));
        Assert.Contains(report.Checks, c => c.Name == "LibTorch" && c.Value.StartsWith("2.10"));
        Assert.Contains(report.Checks, c => c.Name == "Data sets found" && c.Value.StartsWith("synthetic"));
        if (Directory.Exists(TestPaths.AttFaces))
            Assert.Contains("att", DoctorReport.Run("cpu").With(new DatasetRegistry(TestPaths.SharedData).DoctorChecks()).Checks.Single(c => c.Name == "Data sets found").Value);
        var bad = DoctorReport.Run("tpu");
        Assert.False(bad.Healthy);
        Assert.Contains("tpu", bad.Failure);
    }
}
