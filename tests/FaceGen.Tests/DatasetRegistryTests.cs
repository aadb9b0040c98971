using System.Buffers.Binary;
using FaceGen.Data;
using static FaceGen.Tests.DataFixtures;

namespace FaceGen.Tests;

/// <summary>Tests that change the process-wide FACEGEN_DATA variable run alone.</summary>
[CollectionDefinition("FACEGEN_DATA environment", DisableParallelization = true)]
public sealed class DataRootEnvironmentCollection;

public class DatasetRegistryTests
{
    /// <summary>A data root with small versions of att, utkface (flat), lfw, celeba, fashion-mnist and cifar10.</summary>
    static string FixtureRoot()
    {
        var root = TestPaths.NewTempFolder("facegen-data");
        for (int s = 1; s <= 2; s++)
            for (int m = 1; m <= 3; m++)
                WritePgm(Path.Combine(root, "att_faces", $"s{s}", $"{m}.pgm"), 4, 5, (_, _) => (byte)(s * 10 + m));
        WriteSolid(Path.Combine(root, "utkface", "20_1_3_20170101000000001.jpg.chip.jpg"), 10, 10, 1, 2, 3);
        WriteSolid(Path.Combine(root, "lfw", "Ada_Lovelace", "Ada_Lovelace_0001.jpg"), 12, 12, 9, 9, 9);
        WriteSolid(Path.Combine(root, "lfw", "Alan_Turing", "Alan_Turing_0001.jpg"), 12, 12, 9, 9, 9);
        WriteSolid(Path.Combine(root, "celeba", "img_align_celeba", "000001.jpg"), 9, 11, 5, 5, 5);
        File.WriteAllText(Path.Combine(root, "celeba", "identity_CelebA.txt"), "000001.jpg 4\n");
        var fashion = Directory.CreateDirectory(Path.Combine(root, "fashion-mnist")).FullName;
        foreach (var prefix in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Path.Combine(fashion, $"{prefix}-images-idx3-ubyte"), [0, 0, 8, 3, .. BigEndian(1), .. BigEndian(2), .. BigEndian(2), 1, 2, 3, 4]);
            File.WriteAllBytes(Path.Combine(fashion, $"{prefix}-labels-idx1-ubyte"), [0, 0, 8, 1, .. BigEndian(1), 7]);
        }
        var cifar = Directory.CreateDirectory(Path.Combine(root, "cifar10", "cifar-10-batches-bin")).FullName;
        foreach (var file in Cifar10Loader.BatchFiles(DatasetPart.All))
            File.WriteAllBytes(Path.Combine(cifar, file), [6, .. new byte[3072]]);
        return root;
    }

    static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    static ImageLoadOptions Small => Options(size: 8);

    [Fact]
    public void ListShowsWhereEachSetWasFound()
    {
        var empty = new DatasetRegistry(TestPaths.NewTempFolder("facegen-data"));
        var listed = empty.List();
        Assert.Equal(["synthetic", "att", "utkface", "lfw", "celeba", "fashion-mnist", "cifar10"], listed.Select(d => d.Name));
        Assert.True(listed[0].Found);
        var att = listed.Single(d => d.Name == "att");
        Assert.False(att.Found);
        Assert.Equal(Path.Combine(empty.Root, "att_faces"), att.Location);
        Assert.Contains("facegen data fetch att_faces", att.HowToGet);

        var full = new DatasetRegistry(FixtureRoot());
        Assert.All(full.List(), d => Assert.True(d.Found, d.Name));
        Assert.Equal(Path.Combine(full.Root, "utkface"), full.List().Single(d => d.Name == "utkface").Location);
        Assert.Equal(Path.Combine(full.Root, "celeba"), full.List().Single(d => d.Name == "celeba").Location);
    }

    [Fact]
    public void EveryNamedSetLoadsFromTheRoot()
    {
        var registry = new DatasetRegistry(FixtureRoot());
        using (var att = registry.Load("att", Small)) Assert.Equal((6, 2), (att.Count, att.ClassCount));
        using (var alias = registry.Load("att_faces", Small)) Assert.Equal("att", alias.Name); // the fetch catalogue's name
        using (var utk = registry.Load("UTKFace", Small)) Assert.Equal(["male", "female"], utk.ClassNames);
        using (var lfw = registry.Load("lfw", Small)) Assert.Equal(["Ada_Lovelace", "Alan_Turing"], lfw.ClassNames);
        using (var celeba = registry.Load("celeba", Small)) Assert.Equal(["4"], celeba.ClassNames);
        using (var fashion = registry.Load("fashion-mnist", Options(channels: 1), DatasetPart.All))
        {
            Assert.Equal(new long[] { 2, 1, 2, 2 }, fashion.Images.shape);
            Assert.Equal("Sneaker", fashion.ClassNames[fashion.LabelArray()[0]]);
        }
        using (var cifar = registry.Load("cifar10", Options(), DatasetPart.Test))
            Assert.Equal(("cifar10", 1, "frog"), (cifar.Name, cifar.Count, cifar.ClassNames[cifar.LabelArray()[0]]));
    }

    [Fact]
    public void UtkFaceAlsoFoundInCropPart1AndMaxImagesApplies()
    {
        var root = TestPaths.NewTempFolder("facegen-data");
        for (int i = 0; i < 6; i++)
            WriteSolid(Path.Combine(root, "utkface", "crop_part1", $"{20 + i}_0_0_2017010100000000{i}.jpg.chip.jpg"), 10, 10, 1, 2, 3);
        var registry = new DatasetRegistry(root);
        Assert.Equal(Path.Combine(root, "utkface", "crop_part1"), registry.List().Single(d => d.Name == "utkface").Location);
        using var data = registry.Load("utkface", Small with { MaxImages = 3 });
        Assert.Equal([20, 22, 24], data.Attributes["age"]);
    }

    [Fact]
    public void AFolderPathLoadsAsIdentityFolders()
    {
        var root = FixtureRoot();
        using var data = new DatasetRegistry(TestPaths.NewTempFolder()).Load(Path.Combine(root, "lfw"), Small);
        Assert.Equal(["Ada_Lovelace", "Alan_Turing"], data.ClassNames);
        Assert.Equal("lfw", data.Name);
    }

    [Fact]
    public void UnknownNameListsTheKnownNames()
    {
        var e = Assert.Throws<DataException>(() => new DatasetRegistry(TestPaths.NewTempFolder()).Load("mnist-faces"));
        Assert.Equal("mnist-faces", e.Path);
        foreach (var name in DatasetRegistry.Names) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void MissingKnownSetSaysHowToFetchIt()
    {
        var root = TestPaths.NewTempFolder("facegen-data");
        var e = Assert.Throws<DataException>(() => new DatasetRegistry(root).Load("cifar10"));
        Assert.Equal(Path.Combine(root, "cifar10"), e.Path);
        Assert.Contains("facegen data fetch cifar10", e.Message);
        Assert.Contains(DatasetRegistry.RootVariable, e.Message);
    }

    [SharedDataFact("att_faces")]
    public void SharedDataFolderWorksAsADataRoot()
    {
        var registry = new DatasetRegistry(TestPaths.SharedData);
        var listed = registry.List();
        Assert.True(listed.Single(d => d.Name == "att").Found);
        using var att = registry.Load("att", Options(size: 32, channels: 1) with { MaxImages = 40 });
        Assert.Equal(new long[] { 40, 1, 32, 32 }, att.Images.shape);
        Assert.Equal(40, att.LabelArray().Distinct().Count()); // evenly spread: one image of every subject
    }
}

[Collection("FACEGEN_DATA environment")]
public class DataRootResolutionTests
{
    [Fact]
    public void ExplicitRootThenEnvironmentThenDefault()
    {
        var saved = Environment.GetEnvironmentVariable(DatasetRegistry.RootVariable);
        try
        {
            var fromEnvironment = TestPaths.NewTempFolder("facegen-data");
            Environment.SetEnvironmentVariable(DatasetRegistry.RootVariable, fromEnvironment);
            Assert.Equal(fromEnvironment, DatasetRegistry.ResolveRoot());
            Assert.Equal(Path.GetFullPath("/tmp/explicit"), DatasetRegistry.ResolveRoot("/tmp/explicit"));
            Assert.Equal(fromEnvironment, new DatasetRegistry().Root);

            Environment.SetEnvironmentVariable(DatasetRegistry.RootVariable, null);
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            var outsideAnyCheckout = TestPaths.NewTempFolder("facegen-nowhere");
            Assert.Equal(Path.Combine(home, ".local", "share", "facegen", "data"), DatasetRegistry.ResolveRoot(startFolder: outsideAnyCheckout));

            // Inside a checkout (any folder below the .sln) with shared/data beside it: that folder, the same from
            // notebooks/ as from the checkout's root; without shared/data beside it, the home default again.
            var workspace = TestPaths.NewTempFolder("facegen-workspace");
            var checkout = Directory.CreateDirectory(Path.Combine(workspace, "kit")).FullName;
            File.WriteAllText(Path.Combine(checkout, DatasetRegistry.CheckoutMarker), "");
            var notebooks = Directory.CreateDirectory(Path.Combine(checkout, "notebooks")).FullName;
            Assert.Equal(Path.Combine(home, ".local", "share", "facegen", "data"), DatasetRegistry.ResolveRoot(startFolder: notebooks));
            var shared = Directory.CreateDirectory(Path.Combine(workspace, "shared", "data")).FullName;
            Assert.Equal(shared, DatasetRegistry.ResolveRoot(startFolder: notebooks));
            Assert.Equal(shared, DatasetRegistry.ResolveRoot(startFolder: checkout));
            Assert.Equal(Path.GetFullPath("/tmp/explicit"), DatasetRegistry.ResolveRoot("/tmp/explicit", notebooks));
        }
        finally
        {
            Environment.SetEnvironmentVariable(DatasetRegistry.RootVariable, saved);
        }
    }

    [Fact]
    public void AttIsReadGreyByDefaultAndEveryOtherSetOrFolderAsRgb()
    {
        Assert.Equal(1, DatasetRegistry.DefaultChannels("att"));
        Assert.Equal(1, DatasetRegistry.DefaultChannels("ATT_faces"));
        Assert.Equal(3, DatasetRegistry.DefaultChannels("utkface"));
        Assert.Equal(3, DatasetRegistry.DefaultChannels("synthetic"));
        Assert.Equal(3, DatasetRegistry.DefaultChannels("/some/folder/of/identities"));
        Assert.Equal("att_faces", DatasetRegistry.AliasOf("att"));
    }
}
