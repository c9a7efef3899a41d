using System.Text;
using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

/// <summary>A throwaway cache folder plus a tiny model repo whose blob names were computed outside this code.</summary>
public sealed class TempCache : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("slotsharp-hub-").FullName;
    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public static class TinyModel
{
    public const string Id = "acme/tiny-model";
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    public static readonly byte[] Weights = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("weights!", 40000)));

    // Goldens from `git hash-object` (regular files) and `sha256sum` (the LFS file) run on the same bytes.
    public const string ConfigGitSha1 = "8cadb740053fa59602f06e1b0f0f755bd4801a54";
    public const string TokenizerGitSha1 = "22ec89ab90889036bc14d5b1bb6109974ef95582";
    public const string WeightsSha256 = "0a08a83f5e48eb430e703f0ec3f45bc51f383dfb2a25557eb4bba724874a161f";

    public static FakeHub.FakeRepo Repo(string id = Id, bool gated = false) => new(HubRepoType.Model, id, Commit, new()
    {
        ["config.json"] = new(Encoding.ASCII.GetBytes("{\"model_type\":\"qwen2\"}"), Lfs: false),
        ["tokenizer.json"] = new(Encoding.ASCII.GetBytes("{\"version\":\"1.0\"}"), Lfs: false),
        ["model.safetensors"] = new(Weights, Lfs: true),
        // Present in the repo but never wanted: pickle weights and docs.
        ["pytorch_model.bin"] = new(Encoding.ASCII.GetBytes("pickle"), Lfs: true),
        ["README.md"] = new(Encoding.ASCII.GetBytes("# tiny"), Lfs: false),
    }) { Gated = gated };
}
