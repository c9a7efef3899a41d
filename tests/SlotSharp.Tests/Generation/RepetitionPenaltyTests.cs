using System.Text.Json.Nodes;
using SlotSharp.Checkpoints;
using SlotSharp.Generation;

using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Generation;

public sealed class RepetitionPenaltyTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-reppen-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [SkippableFact]
    public void PenaltyFollowsTransformersFormula()
    {
        // RepetitionPenaltyLogitsProcessor: score < 0 ? score * p : score / p, once per distinct id in the context.
        float[] logits = [2f, -2f, 0.5f, 3f];
        TokenSampler.ApplyRepetitionPenalty(logits, [0, 1, 1], 2.0);
        Assert.Equal(new[] { 1f, -4f, 0.5f, 3f }, logits);
    }

    [SkippableFact]
    public void GenerationConfigRepetitionPenaltyIsRead()
    {
        var path = Path.Combine(_dir, "generation_config.json");
        File.WriteAllText(path, """{"eos_token_id":[1,2],"do_sample":true,"repetition_penalty":1.05,"top_k":20}""");
        var config = GenerationConfig.LoadOrNull(path)!;
        Assert.Equal(1.05, config.RepetitionPenalty);
        Assert.Equal([1, 2], config.EosTokenIds);
    }

    [SkippableFact]
    public void FolderDefaultIsAppliedLikeTransformersAndChangesGreedyOutput()
    {
        var golden = Golden.Load("stories260K");
        foreach (var f in Directory.GetFiles(golden.ModelDir)) File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
        var gc = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "generation_config.json")))!.AsObject();
        gc["repetition_penalty"] = 1.3;
        File.WriteAllText(Path.Combine(_dir, "generation_config.json"), gc.ToJsonString());

        var p = golden.Prompts.Last();
        int[] ids = Golden.Ints(p["input_ids"]);
        using var withDefault = TestModel.Load(_dir);
        using var original = TestModel.Load(golden.ModelDir);
        Assert.Equal(1.3, withDefault.DefaultRepetitionPenalty);
        Assert.Equal(1.0, original.DefaultRepetitionPenalty);

        var options = new GenerationOptions { MaxNewTokens = 24, StopIds = [2] };
        var penalized = withDefault.Generate(ids, options with { RepetitionPenalty = withDefault.DefaultRepetitionPenalty }).Generation.GeneratedIds;
        var explicitFlag = original.Generate(ids, options with { RepetitionPenalty = 1.3 }).Generation.GeneratedIds;
        var plain = original.Generate(ids, options).Generation.GeneratedIds;
        Assert.Equal(explicitFlag, penalized);
        Assert.Equal(Golden.Ints(p["generate"]!["greedy_times0"]), plain);
        Assert.NotEqual(plain, penalized); // the penalty does change this story
    }
}
