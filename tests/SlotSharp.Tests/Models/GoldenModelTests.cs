using SlotSharp.Checkpoints;
using SlotSharp.Models;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Models;

/// <summary>Float32 forward pass against the independent reference's goldens (tolerances from shared/models/README.md).</summary>
public class GoldenModelTests
{
    public static IEnumerable<object[]> Cases() => Golden.ModelsAndPrompts("tiny-qwen2", "tiny-qwen2-sharded", "stories260K");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void LogitsHiddenAndPromptCrossEntropyMatchGolden(string model, string prompt)
    {
        var golden = Golden.Load(model);
        var p = golden.Prompt(prompt);
        int[] ids = Golden.Ints(p["input_ids"]);
        using var ckpt = Checkpoint.Open(golden.ModelDir);
        using var lm = CausalLM.Load(ckpt, new ComputeOptions(CPU, ScalarType.Float32));
        using var cache = lm.NewCache();
        using var idsT = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using var output = lm.Forward(idsT, cache, LogitsMode.All);
        using var logits = output.Logits![0];
        int T = ids.Length;

        var last = p["logits_last"]!;
        Golden.AssertClose(Golden.Doubles(last["values"]), logits[T - 1].data<float>().ToArray(), 1e-4, "logits_last");
        Assert.Equal((int)last["argmax"]!, (int)logits[T - 1].argmax().item<long>());
        Assert.Equal((double)last["logsumexp"]!, logits[T - 1].logsumexp(0).item<float>(), 1e-4);

        foreach (var at in ((System.Text.Json.Nodes.JsonArray)p["logits_at"]!).Cast<System.Text.Json.Nodes.JsonObject>())
        {
            int pos = (int)at["position"]!;
            var row = logits[pos].data<float>().ToArray();
            var expected = Golden.Doubles(at["values"] ?? at["first"]);
            Golden.AssertClose(expected, row.Take(expected.Length).ToArray(), 1e-4, $"logits_at[{pos}]");
            Assert.Equal((int)at["argmax"]!, (int)logits[pos].argmax().item<long>());
        }

        Golden.AssertClose(Golden.Doubles(p["last_hidden"]), output.Hidden[0, T - 1].data<float>().ToArray(), 1e-4, "last_hidden");

        if (p["prompt_ce"] is { } ce)
        {
            using var targets = tensor(ids.Skip(1).Select(i => (long)i).ToArray());
            using var loss = nn.functional.cross_entropy(logits.narrow(0, 0, T - 1), targets);
            Assert.Equal((double)ce, loss.item<float>(), 1e-5);
        }
    }

}
