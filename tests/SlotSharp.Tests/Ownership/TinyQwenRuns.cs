using SlotSharp.Generation;

using SlotSharp.Runtime;
using SlotSharp.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Ownership;

/// <summary>
/// Short greedy generations on tiny-qwen2's len8 golden prompt, plain and with SLOT (times 5, lr 0.1), and the tokens
/// the reference produced for them (greedy decoding is prefix-stable, so a shorter run must match the golden's prefix).
/// </summary>
public sealed class TinyQwenRuns : IDisposable
{
    readonly int[] _plainGolden, _slotGolden;

    internal TestModel Pipeline { get; }
    public int[] PromptIds { get; }

    public TinyQwenRuns()
    {
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len8");
        PromptIds = Golden.Ints(p["input_ids"]);
        _plainGolden = Golden.Ints(p["generate"]!["greedy_times0"]);
        _slotGolden = Golden.Ints(p["generate"]!["greedy_seed_times5_lr0.1"]);
        Pipeline = TestModel.Load(golden.ModelDir);
    }

    public static SlotOptions Slot => new() { Times = 5, Lr = 0.1 };

    public int[] Expected(bool slot, int tokens) => (slot ? _slotGolden : _plainGolden).Take(tokens).ToArray();

    /// <summary>One generation through the pipeline; returns the generated ids.</summary>
    public int[] Generate(bool slot, int tokens) =>
        Pipeline.Generate(PromptIds, new GenerationOptions { MaxNewTokens = tokens, StopIds = [] }, slot ? Slot : null).Generation.GeneratedIds;

    public void Dispose() => Pipeline.Dispose();
}
