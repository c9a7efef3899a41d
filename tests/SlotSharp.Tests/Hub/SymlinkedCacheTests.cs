using SlotSharp.Checkpoints;
using SlotSharp.Generation;
using SlotSharp.Hub;
using SlotSharp.Models;
using SlotSharp.Runtime;
using SlotSharp.Tests.Oracles;
using SlotSharp.Tokenization;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Hub;

/// <summary>
/// A model in a Hugging Face cache is a folder of relative symlinks into blobs/. Everything that sizes a file must
/// size the target, not the link (on Linux a link's own length is that of its target path, e.g. 76 bytes).
/// </summary>
public sealed class SymlinkedCacheTests
{
    const string Model = "stories260K";
    const string RepoId = "acme/stories260K";

    [SkippableFact]
    public async Task DownloadFromFakeHub_ThenGenerateFromTheCache_ReproducesGoldens()
    {
        var golden = Golden.Load(Model);
        await using var hub = await FakeHub.StartAsync();
        using var cache = new TempCache();
        hub.Add(FakeHub.FakeRepo.FromFolder(RepoId, TinyModel.Commit, golden.ModelDir));

        var folder = await HubResolver.ResolveModelAsync(RepoId, settings: hub.Settings(cache.Dir));

        Assert.NotNull(new FileInfo(Path.Combine(folder, ModelFiles.SingleWeights)).LinkTarget);
        AssertReproducesGolden(folder, golden);
    }

    [SkippableFact]
    public void CacheLaidOutLikeHuggingFaceHub_LoadsOfflineAndReproducesGoldens()
    {
        var golden = Golden.Load(Model);
        using var cache = new TempCache();
        var repoFolder = Path.Combine(cache.Dir, "models--acme--stories260K");
        var snapshot = Path.Combine(repoFolder, "snapshots", TinyModel.Commit);
        Directory.CreateDirectory(Path.Combine(repoFolder, "blobs"));
        Directory.CreateDirectory(Path.Combine(repoFolder, "refs"));
        Directory.CreateDirectory(snapshot);
        // huggingface_hub's layout: blobs named by sha256 (LFS) or git sha1, refs/main, RELATIVE links per file.
        foreach (var source in Directory.EnumerateFiles(golden.ModelDir).Where(f => Path.GetFileName(f) != "golden.json"))
        {
            var blob = new FakeHub.FakeFile(File.ReadAllBytes(source), Lfs: source.EndsWith(".safetensors", StringComparison.Ordinal));
            File.WriteAllBytes(Path.Combine(repoFolder, "blobs", blob.Etag), blob.Content);
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(source)), "../../blobs/" + blob.Etag);
        }
        File.WriteAllText(Path.Combine(repoFolder, "refs", "main"), TinyModel.Commit);
        var offline = new HubSettings("http://127.0.0.1:9", cache.Dir, null, Path.Combine(cache.Dir, "token"), Offline: true);

        var folder = HubResolver.ResolveModel(RepoId, settings: offline);

        Assert.Equal(snapshot, folder);
        AssertReproducesGolden(folder, golden);
    }

    [SkippableFact]
    public void CachedSymlinkedFile_IsReportedWithTheBlobSize()
    {
        using var cache = new TempCache();
        var repoFolder = Path.Combine(cache.Dir, "models--acme--tiny-model");
        var snapshot = Path.Combine(repoFolder, "snapshots", TinyModel.Commit);
        Directory.CreateDirectory(Path.Combine(repoFolder, "blobs"));
        Directory.CreateDirectory(snapshot);
        File.WriteAllBytes(Path.Combine(repoFolder, "blobs", TinyModel.WeightsSha256), TinyModel.Weights);
        File.WriteAllText(Path.Combine(repoFolder, "blobs", TinyModel.ConfigGitSha1), "{\"model_type\":\"qwen2\"}");
        File.CreateSymbolicLink(Path.Combine(snapshot, "model.safetensors"), "../../blobs/" + TinyModel.WeightsSha256);
        File.CreateSymbolicLink(Path.Combine(snapshot, "config.json"), "../../blobs/" + TinyModel.ConfigGitSha1);
        var offline = new HubSettings("http://127.0.0.1:9", cache.Dir, null, Path.Combine(cache.Dir, "token"), Offline: true);
        var reports = new List<HubProgress>();

        HubResolver.Download(TinyModel.Id, HubRepoType.Model, TinyModel.Commit, new SyncProgress(reports), offline);

        Assert.Contains(reports, r => r.File == "model.safetensors" && r.Status == HubFileStatus.Cached && r.BytesDone == 320000);
    }

    /// <summary>Tokenizer ids, last-position logits (1e-4, shared/models/README.md) and greedy tokens from the folder.</summary>
    internal static void AssertReproducesGolden(string folder, Golden golden)
    {
        var tokenizer = TokenizerLoader.LoadFolder(folder);
        using var checkpoint = Checkpoint.Open(folder);
        using var lm = CausalLM.Load(checkpoint, new ComputeOptions(CPU, ScalarType.Float32));
        foreach (var prompt in golden.Prompts)
        {
            var ids = Golden.Ints(prompt["input_ids"]);
            Assert.Equal(ids, tokenizer.Encode((string)prompt["text"]!));

            using (var kv = lm.NewCache())
            using (var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0))
            using (var output = lm.Forward(input, kv, LogitsMode.Last))
            using (var last = output.Logits![0, -1])
            {
                var expected = Golden.Doubles(prompt["logits_last"]!["values"]);
                var actual = last.data<float>().ToArray();
                Assert.Equal(expected.Length, actual.Length);
                var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
                Assert.True(worst <= 1e-4, $"{prompt["name"]}: logits_last differ by {worst}");
            }

            var generate = prompt["generate"]!;
            var result = new TokenGenerator(lm).Generate(ids, new GenerationOptions
            {
                MaxNewTokens = (int)generate["max_new_tokens"]!,
                StopIds = Golden.Ints(generate["stop_ids"]),
            });
            Assert.Equal(Golden.Ints(generate["greedy_times0"]), result.GeneratedIds);
        }
    }
}
