using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Slot;
using SlotSharp.Tests.Oracles;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// SLOT on llama.cpp: hidden states and prompt logits from llama.cpp, W read in place from the GGUF file by the core's
/// host math (the backend's own SlotMath, as the engine runs it), b = W delta added to llama.cpp's logits. The losses and the greedy ids must equal the float32 reference's goldens for both optimizers.
/// </summary>
public class GgufSlotGoldenTests : IClassFixture<ConvertedModels>
{
    readonly ConvertedModels _models;
    public GgufSlotGoldenTests(ConvertedModels models) => _models = models;

    public static IEnumerable<object[]> Cases() => Golden.ModelsAndPrompts("tiny-qwen2", "stories260K");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void AdamWTimes5(string model, string prompt) => Check(model, prompt, SlotOptimizerKind.AdamW, "slot_seed", "greedy_seed_times5_lr0.1");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void VllmTimes5(string model, string prompt) => Check(model, prompt, SlotOptimizerKind.Vllm, "slot_vllm", "greedy_vllm_times5_lr0.1");

    // The default path: the stage starts from llama.cpp's own prompt logits. The cases above keep none (a budget of 0),
    // so the stage recomputes them from H each step (the long-prompt path).
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void AdamWTimes5FromLlamaCppsPromptLogits(string model, string prompt) =>
        Check(model, prompt, SlotOptimizerKind.AdamW, "slot_seed", "greedy_seed_times5_lr0.1", fromModelLogits: true);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void VllmTimes5FromLlamaCppsPromptLogits(string model, string prompt) =>
        Check(model, prompt, SlotOptimizerKind.Vllm, "slot_vllm", "greedy_vllm_times5_lr0.1", fromModelLogits: true);

    void Check(string model, string prompt, SlotOptimizerKind optimizer, string trajectoryField, string idsField, bool fromModelLogits = false)
    {
        var golden = Golden.Load(model);
        var p = golden.Prompt(prompt);
        int[] ids = Golden.Ints(p["input_ids"]);
        Skip.If(ids.Length < 2, "SLOT needs two tokens; plain generation is covered by GgufGoldenTests");
        using var backend = LlamaCppBackend.Load(_models.F32(model), new LlamaCppOptions
        {
            ContextSize = 1024, MaxSequences = 1, Threads = 2, PromptLogitsMaxBytes = fromModelLogits ? 512L << 20 : 0,
        });
        using var sequence = backend.Prefill(ids, keepHidden: true, expectedLength: ids.Length + 24);
        var promptLogits = sequence.PromptLogits;
        if (fromModelLogits)
        {
            Assert.NotNull(promptLogits);
            Assert.Equal((ids.Length, backend.VocabSize), (promptLogits!.Rows, promptLogits.Columns));
            Assert.Equal(sequence.Logits, promptLogits.Row(ids.Length - 1).ToArray()); // the last row is the last logits
        }
        else Assert.Null(promptLogits);
        var slot = SlotRuns.RunToEnd(backend.SlotMath, sequence, new SlotOptions { Times = 5, Lr = 0.1, Optimizer = optimizer });

        var trajectory = ((System.Text.Json.Nodes.JsonArray)p[trajectoryField]!).Cast<System.Text.Json.Nodes.JsonObject>()
            .First(r => (int)r["times"]! == 5 && (double)r["lr"]! == 0.1);
        var expectedLosses = Golden.Doubles(trajectory["losses"]);
        Assert.True(slot.Losses.Count >= expectedLosses.Length);
        for (int i = 0; i < expectedLosses.Length; i++)
            if (double.IsFinite(expectedLosses[i])) Assert.True(Math.Abs(expectedLosses[i] - slot.Losses[i]) <= 1e-4 * Math.Max(1, Math.Abs(expectedLosses[i])),
                $"loss {i}: expected {expectedLosses[i]}, got {slot.Losses[i]}");

        var gen = p["generate"]!;
        var result = DecodeLoop.Decode(backend, sequence, new GenerationOptions
        {
            MaxNewTokens = (int)gen["max_new_tokens"]!,
            StopIds = Golden.Ints(gen["stop_ids"]),
        }, slot.LogitBias);
        Assert.Equal(Golden.Ints(gen[idsField]), result.GeneratedIds);
    }
}
