namespace FaceGen.Data.Fetch;

/// <summary>
/// The public data sets <c>facegen data fetch &lt;name&gt;</c> installs, with their download addresses and published
/// checksums. Every digest below is copied from the public source named next to it; none was computed here.
/// Installed layout under the data root (what the loaders read):
/// <c>att_faces/sN/M.pgm</c>; <c>lfw/&lt;Person_Name&gt;/*.jpg</c>;
/// <c>celeba/img_align_celeba/*.jpg</c> + <c>celeba/identity_CelebA.txt</c>; <c>cifar10/cifar-10-batches-bin/*.bin</c>.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>AT&amp;T Laboratories Cambridge "Database of Faces" (formerly ORL): 40 people × 10 greyscale
    /// 92×112 PGM images.</summary>
    public static CatalogEntry AttFaces { get; } = new(
        Name: "att_faces",
        Folder: "att_faces",
        Title: "AT&T Database of Faces (ORL), 40 subjects × 10 images, 92×112 PGM",
        Homepage: "https://cam-orl.co.uk/facedatabase.html",
        Files:
        [
            // The archive address the database page has always given (also used by many public download scripts).
            // The lab's page has since moved to cam-orl.co.uk; if this address stops answering, download
            // att_faces.zip from the homepage and save it in the downloads folder (see DatasetFetcher).
            new("att_faces.zip", "https://www.cl.cam.ac.uk/Research/DTG/attarchive/pub/data/att_faces.zip",
                Checksum.NonePublished("AT&T/Cambridge publish no checksum for att_faces.zip, and neither torchvision, "
                    + "scikit-learn nor TensorFlow Datasets distribute this archive (scikit-learn's Olivetti "
                    + "copy is a 64×64 MATLAB file, a different format)")),
        ],
        ExpectedPaths: ["s1/1.pgm", "s40/10.pgm"],
        Notes: "No published checksum: the fetch reports the SHA-256 it computed so that you can compare it.",
        MaxBytes: 64L << 20, // 400 × 10,304-byte PGMs: 4.1 MB
        Contents: ["s*/*.pgm", "README"]);

    /// <summary>Labeled Faces in the Wild, original (unaligned) 250×250 JPEGs: 13,233 images of 5,749 people.</summary>
    public static CatalogEntry Lfw { get; } = new(
        Name: "lfw",
        Folder: "lfw",
        Title: "Labeled Faces in the Wild (original), 13,233 images of 5,749 people, 250×250 JPEG",
        Homepage: "http://vis-www.cs.umass.edu/lfw/",
        Files:
        [
            // scikit-learn's mirror of http://vis-www.cs.umass.edu/lfw/lfw.tgz (the original host serves plain http only).
            // SHA-256 published in scikit-learn, sklearn/datasets/_lfw.py (ARCHIVE = RemoteFileMetadata(...)).
            // The archive holds lfw/<Person_Name>/<Person_Name>_NNNN.jpg; the "lfw/" wrapper is removed.
            new("lfw.tgz", "https://ndownloader.figshare.com/files/5976018",
                Checksum.Sha256("055f7d9c632d7370e6fb4afc7468d40f970c34a80d4c6f50ffec63f5a8d536c0",
                    "scikit-learn sklearn/datasets/_lfw.py (ARCHIVE)")),
        ],
        // "AJ Cook" is the first of fetch_lfw_people's target names in scikit-learn's documented example.
        ExpectedPaths: ["AJ_Cook"],
        MaxBytes: 1L << 30, // 13,233 JPEGs: about 180 MB
        Contents: ["*/*.jpg"],
        Notes: "Served from scikit-learn's figshare mirror; torchvision lists the same archive at the original host "
            + "with md5 a17d05bd522c52d84eca14327a23d494 (torchvision/datasets/lfw.py).");

    /// <summary>CelebA aligned and cropped 178×218 JPEGs (202,599 images) with identity labels (10,177 people).</summary>
    public static CatalogEntry CelebA { get; } = new(
        Name: "celeba",
        Folder: "celeba",
        Title: "CelebA aligned & cropped, 202,599 images of 10,177 identities, 178×218 JPEG",
        Homepage: "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
        Files:
        [
            // CelebA is published on Google Drive (file id 0B7EVK8r0v71pZjFTYXZWM3FlRnM), which answers large
            // downloads with a confirmation page instead of the file. PyTorch's DCGAN tutorial keeps a direct copy
            // on S3 (pytorch/tutorials .jenkins/download_data.py) whose SHA-256 is the very digest TensorFlow Datasets
            // publishes for the official Drive file (tensorflow_datasets/url_checksums/celeb_a.txt, 1,443,490,838
            // bytes): the checksum check proves the copy is byte-identical to the official archive.
            // The archive holds img_align_celeba/NNNNNN.jpg.
            new("img_align_celeba.zip", "https://s3.amazonaws.com/pytorch-tutorial-assets/img_align_celeba.zip",
                Checksum.Sha256("46fb89443c578308acf364d7d379fe1b9efb793042c0af734b6112e4fd3a8c74",
                    "TensorFlow Datasets tensorflow_datasets/url_checksums/celeb_a.txt (Drive id 0B7EVK8r0v71pZjFTYXZWM3FlRnM); "
                    + "same digest in pytorch/tutorials .jenkins/download_data.py"),
                Target: "img_align_celeba", Size: 1_443_490_838),
            // Only on Google Drive (id 1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS): downloaded by hand, verified here.
            // SHA-256 from torchvision's prototype CelebA (torchvision/prototype/datasets/_builtin/celeba.py);
            // torchvision/datasets/celeba.py gives md5 32bd1bd63d3c78cd57e08160ec5ed1e2 for the same file.
            new("identity_CelebA.txt", "https://drive.google.com/uc?export=download&id=1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS",
                Checksum.Sha256("c6143857c3e2630ac2da9f782e9c1232e5e59be993a9d44e8a7916c78a6158c0",
                    "torchvision torchvision/prototype/datasets/_builtin/celeba.py (identities)"),
                ManualDownload: "identity_CelebA.txt is published only on Google Drive, which needs a browser. Open "
                    + "https://drive.google.com/uc?export=download&id=1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS "
                    + "(or the \"Anno\" folder linked from https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html)"),
        ],
        ExpectedPaths: ["img_align_celeba/000001.jpg", "img_align_celeba/202599.jpg", "identity_CelebA.txt"],
        MaxBytes: 4L << 30, // 202,599 JPEGs: about 1.4 GB
        Contents: ["img_align_celeba/*.jpg", "identity_CelebA.txt"],
        Notes: "Images come from PyTorch's byte-identical S3 copy (checked against the official archive's SHA-256); "
            + "identity_CelebA.txt must be downloaded by hand from Google Drive. For non-commercial research only "
            + "(see the homepage).");

    /// <summary>CIFAR-10, binary version: 60,000 32×32 colour images in 10 classes (a non-face reference set).</summary>
    public static CatalogEntry Cifar10 { get; } = new(
        Name: "cifar10",
        Folder: "cifar10",
        Title: "CIFAR-10 (binary version), 60,000 32×32 colour images, 10 classes",
        Homepage: "https://www.cs.toronto.edu/~kriz/cifar.html",
        Files:
        [
            // SHA-256 and size published by TensorFlow Datasets, tensorflow_datasets/url_checksums/cifar10.txt.
            // The archive holds cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin and batches.meta.txt.
            new("cifar-10-binary.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                Checksum.Sha256("c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
                    "TensorFlow Datasets tensorflow_datasets/url_checksums/cifar10.txt"),
                Target: "cifar-10-batches-bin", Size: 170_052_171),
        ],
        ExpectedPaths: ["cifar-10-batches-bin/data_batch_1.bin", "cifar-10-batches-bin/data_batch_5.bin",
            "cifar-10-batches-bin/test_batch.bin"],
        MaxBytes: 1L << 30, // six 30 MB batches
        Contents: ["cifar-10-batches-bin/*.bin", "cifar-10-batches-bin/batches.meta.txt"]);

    /// <summary>Every entry, in the order <c>facegen data fetch</c> lists them.</summary>
    public static IReadOnlyList<CatalogEntry> All { get; } = [AttFaces, Lfw, CelebA, Cifar10];

    /// <summary>The entry called <paramref name="name"/> (case-insensitive), or the one installing the registry's set of
    /// that name (att → att_faces).</summary>
    /// <exception cref="DataException">Unknown name; the message lists the known names.</exception>
    public static CatalogEntry Find(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase)
            || string.Equals(e.Name, DatasetRegistry.AliasOf(name?.Trim() ?? ""), StringComparison.OrdinalIgnoreCase))
        ?? throw new DataException(name ?? "(null)",
            $"unknown data set; choose one of: {string.Join(", ", All.Select(e => e.Name))}.");
}
