using System.Text;
using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Hub;

using SlotSharp.Slot;
using SlotSharp.Tests.Gguf;

namespace SlotSharp.Tests.Hub;

/// <summary>
/// Hub repositories holding GGUF files (like Qwen/Qwen2.5-0.5B-Instruct-GGUF: many quantizations, no config.json):
/// one file is chosen by the rule local folders use, only it (and tokenizer/generation files) is downloaded, and the
/// cached file then runs exactly as a local one.
/// </summary>
public sealed class HubGgufDownloadTests : IAsyncLifetime, IClassFixture<ConvertedModels>
{
    const string RepoId = "acme/m-GGUF";
    readonly ConvertedModels _models;
    readonly TempCache _cache = new();
    FakeHub _hub = null!;

    public HubGgufDownloadTests(ConvertedModels models) => _models = models;
    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync();
    public async Task DisposeAsync() { await _hub.DisposeAsync(); _cache.Dispose(); }

    static FakeHub.FakeFile Lfs(string text) => new(Encoding.ASCII.GetBytes(text), Lfs: true);
    static FakeHub.FakeFile Small(string text) => new(Encoding.ASCII.GetBytes(text), Lfs: false);

    /// <summary>Three quantizations (distinct bytes), a tokenizer, a generation config and files never wanted.</summary>
    static FakeHub.FakeRepo Quantizations(string id = RepoId) => new(HubRepoType.Model, id, TinyModel.Commit, new()
    {
        ["m-f16.gguf"] = Lfs("f16 weights"),
        ["m-Q4_K_M.gguf"] = Lfs("q4_k_m weights"),
        ["m-q8_0.gguf"] = Lfs("q8_0 weights"),
        ["tokenizer.json"] = Small("{\"version\":\"1.0\"}"),
        ["generation_config.json"] = Small("{\"eos_token_id\":2}"),
        ["README.md"] = Small("# m"),
        ["LICENSE"] = Small("license"),
    });

    string Resolve(string id = RepoId, WeightsChoice? weights = null, bool offline = false) =>
        HubResolver.ResolveModel(id, settings: _hub.Settings(_cache.Dir, offline: offline), weights: weights);

    static string[] FolderFiles(string folder) =>
        Directory.EnumerateFiles(folder).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Every file a HEAD or GET touched (LFS blobs named by their sha256), to show what was never fetched.</summary>
    string[] Touched(FakeHub.FakeRepo repo) => repo.Files
        .Where(f => _hub.Requests.Any(r => r.Path == $"/{repo.Id}/resolve/{repo.Commit}/{f.Key}" || r.Path == "/lfs/" + f.Value.Sha256))
        .Select(f => f.Key).Order(StringComparer.Ordinal).ToArray();

    [SkippableFact]
    public void GgufOnlyRepo_DownloadsOnlyTheQ8_0FileAndItsCompanions()
    {
        var repo = _hub.Add(Quantizations());

        var path = Resolve();

        var snapshot = Path.Combine(_cache.Dir, "models--acme--m-GGUF", "snapshots", TinyModel.Commit);
        Assert.Equal(Path.Combine(snapshot, "m-q8_0.gguf"), path);
        Assert.Equal("q8_0 weights", File.ReadAllText(path));
        Assert.Equal(["generation_config.json", "m-q8_0.gguf", "tokenizer.json"], FolderFiles(snapshot));
        Assert.Equal(["generation_config.json", "m-q8_0.gguf", "tokenizer.json"], Touched(repo));
    }

    [SkippableFact]
    public void WithoutQ8_0_Q4_K_M_IsChosen_AndANamedFileWins()
    {
        var repo = Quantizations();
        repo.Files.Remove("m-q8_0.gguf");
        _hub.Add(repo);

        Assert.EndsWith(Path.DirectorySeparatorChar + "m-Q4_K_M.gguf", Resolve());
        Assert.EndsWith(Path.DirectorySeparatorChar + "m-f16.gguf", Resolve(weights: new WeightsChoice(GgufFile: "M-F16.gguf")));
        Assert.Equal("f16 weights", File.ReadAllText(Resolve(weights: new WeightsChoice(GgufFile: "m-f16.gguf"))));
    }

    [SkippableFact]
    public void NoPreferredQuantization_ErrorListsTheChoices_AndDownloadsNothing()
    {
        var repo = Quantizations();
        repo.Files.Remove("m-q8_0.gguf");
        repo.Files.Remove("m-Q4_K_M.gguf");
        repo.Files["m-bf16.gguf"] = Lfs("bf16 weights");
        _hub.Add(repo);

        var e = Assert.Throws<SlotSharpException>(() => Resolve());

        Assert.Equal("model 'acme/m-GGUF' holds several GGUF files and none is Q8_0 or Q4_K_M; name one (m-bf16.gguf, m-f16.gguf)", e.Message);
        Assert.Empty(_hub.Downloads);
    }

    [SkippableFact]
    public void SplitModel_IsRefusedBeforeAnyDownload()
    {
        _hub.Add(new FakeHub.FakeRepo(HubRepoType.Model, RepoId, TinyModel.Commit, new()
        {
            ["m-q8_0-00001-of-00002.gguf"] = Lfs("part 1"),
            ["m-q8_0-00002-of-00002.gguf"] = Lfs("part 2"),
        }));

        var e = Assert.Throws<SlotSharpException>(() => Resolve());

        Assert.StartsWith("model 'acme/m-GGUF': 'm-q8_0-00001-of-00002.gguf' is part of a GGUF model split into 2 files", e.Message);
        Assert.Empty(_hub.Downloads);
    }

    [SkippableFact]
    public void RepoWithSafetensorsAndGguf_SafetensorsByDefault_GgufWhenAskedFor()
    {
        var repo = TinyModel.Repo();
        repo.Files["tiny-q8_0.gguf"] = Lfs("q8_0 weights");
        _hub.Add(repo);

        var folder = Resolve(TinyModel.Id);
        Assert.Equal(["config.json", "model.safetensors", "tokenizer.json"], FolderFiles(folder));

        Assert.Equal(Path.Combine(folder, "tiny-q8_0.gguf"), Resolve(TinyModel.Id, new WeightsChoice(BackendKind.LlamaCpp)));
        Assert.Equal(Path.Combine(folder, "tiny-q8_0.gguf"), Resolve(TinyModel.Id, new WeightsChoice(GgufFile: "tiny-q8_0.gguf")));
        Assert.Equal(["config.json", "model.safetensors", "tiny-q8_0.gguf", "tokenizer.json"], FolderFiles(folder));
    }

    [SkippableFact]
    public void GgufOnlyRepo_OnTorch_IsRefusedWithTheReason()
    {
        _hub.Add(Quantizations());
        var e = Assert.Throws<SlotSharpException>(() => Resolve(weights: new WeightsChoice(BackendKind.Torch)));
        Assert.Equal("model 'acme/m-GGUF' holds GGUF files and no safetensors; only the llama.cpp backend runs it", e.Message);
        Assert.Empty(_hub.Downloads);
    }

    [SkippableFact]
    public void Offline_ReusesTheCachedGguf_WithoutAnyRequest()
    {
        _hub.Add(Quantizations());
        var online = Resolve();
        _hub.Requests.Clear();

        Assert.Equal(online, Resolve(offline: true));
        Assert.Empty(_hub.Requests);

        // A quantization never fetched cannot appear offline; the message says so.
        var e = Assert.Throws<SlotSharpException>(() => Resolve(weights: new WeightsChoice(GgufFile: "m-f16.gguf"), offline: true));
        Assert.Contains("is incomplete (model 'acme/m-GGUF' has no GGUF file 'm-f16.gguf' (it has: m-q8_0.gguf))", e.Message);
    }

    [SkippableFact]
    public void GgufOnlyRepo_ByName_GeneratesTheSameTokensAsTheLocalFile()
    {
        var golden = Golden.Load("tiny-qwen2");
        var local = _models.F32("tiny-qwen2");
        _hub.Add(new FakeHub.FakeRepo(HubRepoType.Model, RepoId, TinyModel.Commit, new()
        {
            ["tiny-qwen2-f32.gguf"] = new(File.ReadAllBytes(local), Lfs: true),
            ["README.md"] = Small("# tiny"),
        }));

        var cached = Resolve();

        Assert.NotNull(new FileInfo(cached).LinkTarget); // run from the cache's symlink, as Python leaves it
        var p = golden.Prompts.First(q => Golden.Ints(q["input_ids"]).Length >= 2);
        var gen = p["generate"]!;
        var generation = new GenerationOptions { MaxNewTokens = (int)gen["max_new_tokens"]!, StopIds = Golden.Ints(gen["stop_ids"]) };
        var slot = new SlotOptions { Times = 5, Lr = 0.1 };
        var options = new ModelLoadOptions { LlamaCpp = new LlamaCppOptions { ContextSize = 1024, MaxSequences = 1, Threads = 2 } };
        int[] Run(string path, SlotOptions? s)
        {
            using var pipeline = TestModel.Load(path, options);
            return pipeline.Generate(Golden.Ints(p["input_ids"]), generation, s).Generation.GeneratedIds;
        }

        // Both equal the float32 reference's goldens, so the cached file is the same model as the local one.
        Assert.Equal(Golden.Ints(gen["greedy_times0"]), Run(cached, null));
        Assert.Equal(Run(local, null), Run(cached, null));
        Assert.Equal(Golden.Ints(gen["greedy_seed_times5_lr0.1"]), Run(cached, slot));
        Assert.Equal(Run(local, slot), Run(cached, slot));
    }

    [SkippableFact]
    public void TheLibraryLoaderTakesAHubIdAndRunsTheChosenFile()
    {
        // Regression: only the CLI resolved Hub ids; SlotModel.Load("org/name") threw "neither a folder nor a file".
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len8");
        var gen = p["generate"]!;
        _hub.Add(new FakeHub.FakeRepo(HubRepoType.Model, RepoId, TinyModel.Commit, new()
        {
            ["tiny-qwen2-f32.gguf"] = new(File.ReadAllBytes(_models.F32("tiny-qwen2")), Lfs: true),
            ["tiny-qwen2-q4_k_m.gguf"] = Lfs("not a model"), // the default choice: only GgufFile keeps it out
        }));
        var options = new ModelLoadOptions
        {
            Hub = _hub.Settings(_cache.Dir), GgufFile = "tiny-qwen2-f32.gguf", Revision = TinyModel.Commit,
            LlamaCpp = new LlamaCppOptions { ContextSize = 1024, MaxSequences = 1, Threads = 2 },
        };
        using var model = TestModel.Load(RepoId, options);
        Assert.Equal("llamacpp", model.Backend.Name);
        var generation = new GenerationOptions { MaxNewTokens = (int)gen["max_new_tokens"]!, StopIds = Golden.Ints(gen["stop_ids"]) };
        Assert.Equal(Golden.Ints(gen["greedy_times0"]), model.Generate(Golden.Ints(p["input_ids"]), generation).Generation.GeneratedIds);
        Assert.DoesNotContain(_hub.Requests, r => r.Path.Contains("q4_k_m", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void GenerateCommand_GgufFileFlag_ChoosesTheHubFileToDownloadAndRun()
    {
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len8");
        var gen = p["generate"]!;
        _hub.Add(new FakeHub.FakeRepo(HubRepoType.Model, RepoId, TinyModel.Commit, new()
        {
            ["tiny-qwen2-f32.gguf"] = new(File.ReadAllBytes(_models.F32("tiny-qwen2")), Lfs: true),
            // Preferred by default, so only --gguf-file keeps these bytes (no model at all) from being fetched and loaded.
            ["tiny-qwen2-q4_k_m.gguf"] = Lfs("not a model"),
        }));
        var env = new Dictionary<string, string> { ["HF_HOME"] = _cache.Dir, ["HF_ENDPOINT"] = _hub.Endpoint };

        var (code, stdout, stderr) = SlotProcess.Run(env, "generate", "--model", RepoId, "--gguf-file", "tiny-qwen2-f32.gguf",
            "--prompt-ids", string.Join(",", Golden.Ints(p["input_ids"])), "--times", "0",
            "--max-new-tokens", ((int)gen["max_new_tokens"]!).ToString(), "--json");

        Assert.True(code == 0, stderr);
        Assert.Equal(Golden.Ints(gen["greedy_times0"]), Golden.Ints(System.Text.Json.Nodes.JsonNode.Parse(stdout)!["generated_ids"]));
        Assert.DoesNotContain(_hub.Requests, r => r.Path.Contains("q4_k_m", StringComparison.Ordinal));
    }
}
