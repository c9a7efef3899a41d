using System.Security.Cryptography;
using System.Text;

namespace SlotSharp.Tests.Hub;

/// <summary>
/// A huggingface_hub cache written by hand, file for file as huggingface_hub lays it out (blobs named by their
/// sha256, refs/main holding the commit, snapshot files as relative links into ../../blobs), with the cases the cache
/// tools must handle: two revisions sharing a blob, a nested file, a GGUF repo, a dataset, a dangling link, a link to a
/// file outside the cache, a leftover .incomplete download and .locks. Sizes and times below are what was written.
/// </summary>
public sealed class HubCacheLayout : IDisposable
{
    public const string Rev1 = "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a";
    public const string Rev2 = "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b";
    public const string RevGguf = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c";
    public const string RevData = "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d";
    public const string RevBroken = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
    public static readonly DateTime Long = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    public string Root { get; } = Directory.CreateTempSubdirectory("slotsharp-hfcache-").FullName;
    public string Cache => Path.Combine(Root, "hub");

    /// <summary>A file outside the cache that a snapshot of acme/tiny links to: nothing may delete it.</summary>
    public string Outside => Path.Combine(Root, "outside", "extra.bin");

    public static readonly byte[] Config = Bytes("{\"model_type\":\"qwen2\"}", 1);
    public static readonly byte[] Weights1 = Bytes("weights-1", 1000);
    public static readonly byte[] Weights2 = Bytes("weights-2", 2000);
    public static readonly byte[] Vocab = Bytes("vocab", 50);
    public static readonly byte[] OutsideBytes = Bytes("outside", 70);
    public static readonly byte[] GgufBytes = Bytes("GGUF", 3000);
    public static readonly byte[] Data = Bytes("{\"q\":1}\n", 60);
    public static readonly byte[] BrokenConfig = Bytes("{}", 4);

    public string TinyFolder => Path.Combine(Cache, "models--acme--tiny");
    public string GgufFolder => Path.Combine(Cache, "models--acme--tiny-GGUF");
    public string DataFolder => Path.Combine(Cache, "datasets--acme--data");
    public string BrokenFolder => Path.Combine(Cache, "models--acme--broken");
    public string MissingBlob => Path.Combine(BrokenFolder, "blobs", Sha256(Bytes("never written", 1)));

    public HubCacheLayout()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Outside)!);
        File.WriteAllBytes(Outside, OutsideBytes);
        File.SetLastAccessTimeUtc(Outside, Long.AddDays(3));
        File.SetLastWriteTimeUtc(Outside, Long.AddDays(3));

        Snapshot(TinyFolder, Rev1, ("config.json", Config, 0), ("model.safetensors", Weights1, 1));
        File.CreateSymbolicLink(Path.Combine(TinyFolder, "snapshots", Rev1, "extra.bin"), Outside);
        Snapshot(TinyFolder, Rev2, ("config.json", Config, 0), ("model.safetensors", Weights2, 2), ("tokenizer/vocab.txt", Vocab, 5));
        Ref(TinyFolder, "main", Rev2);
        File.WriteAllBytes(Path.Combine(TinyFolder, "blobs", Sha256(Bytes("partial", 10)) + ".incomplete"), Bytes("partial", 10));

        Snapshot(GgufFolder, RevGguf, ("tiny-q8_0.gguf", GgufBytes, 7));
        Ref(GgufFolder, "main", RevGguf);

        Snapshot(DataFolder, RevData, ("data/train.jsonl", Data, 9));
        Ref(DataFolder, "main", RevData);

        Snapshot(BrokenFolder, RevBroken, ("config.json", BrokenConfig, 11));
        File.CreateSymbolicLink(Path.Combine(BrokenFolder, "snapshots", RevBroken, "model.safetensors"), "../../blobs/" + Path.GetFileName(MissingBlob));
        Ref(BrokenFolder, "main", RevBroken);

        Directory.CreateDirectory(Path.Combine(Cache, ".locks", "models--acme--tiny"));
    }

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public string Blob(string repoFolder, byte[] content) => Path.Combine(repoFolder, "blobs", Sha256(content));

    /// <summary>Writes each file's blob (accessed and modified <c>Long + days</c>) and links snapshots/{commit}/{path} to it.</summary>
    static void Snapshot(string repoFolder, string commit, params (string Path, byte[] Content, int Days)[] files)
    {
        Directory.CreateDirectory(Path.Combine(repoFolder, "blobs"));
        foreach (var (path, content, days) in files)
        {
            var blob = Path.Combine(repoFolder, "blobs", Sha256(content));
            if (!File.Exists(blob))
            {
                File.WriteAllBytes(blob, content);
                File.SetLastWriteTimeUtc(blob, Long.AddDays(days));
                File.SetLastAccessTimeUtc(blob, Long.AddDays(days).AddHours(1));
            }
            var link = Path.Combine(repoFolder, "snapshots", commit, path.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            // huggingface_hub's relative link: one "../" per folder between the link and the repo folder.
            var up = string.Concat(Enumerable.Repeat("../", path.Count(c => c == '/') + 2));
            File.CreateSymbolicLink(link, up + "blobs/" + Sha256(content));
        }
    }

    static void Ref(string repoFolder, string name, string commit)
    {
        Directory.CreateDirectory(Path.Combine(repoFolder, "refs"));
        File.WriteAllText(Path.Combine(repoFolder, "refs", name), commit);
    }

    static byte[] Bytes(string text, int repeat) => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(text, repeat)));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
