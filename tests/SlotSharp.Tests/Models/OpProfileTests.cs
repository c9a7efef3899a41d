using SlotSharp.Models;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Models;

/// <summary>What `slot bench decode --profile` reads: every region of a forward pass lands in its kind, once per layer.</summary>
public class OpProfileTests
{
    [SkippableFact]
    public void ADecodeStepRecordsEachKindOncePerLayerAndOnlyWhileActive()
    {
        var golden = Golden.Load("tiny-qwen2");
        var lm = ModelCache.Float32(golden);
        int layers = lm.Config.NumHiddenLayers; // 2
        using var cache = lm.NewCache();
        using (var prompt = tensor(new long[] { 1, 2, 3 }).unsqueeze(0)) lm.Forward(prompt, cache).Dispose();

        var profile = new OpProfile();
        var idle = new OpProfile();
        using (profile.Activate())
        {
            using var step = tensor(new long[] { 4 }).view(1, 1);
            lm.Forward(step, cache).Dispose();
            // Another thread's passes are not this profile's (a Thread, not a Task: Wait may run a Task inline).
            var thread = new Thread(() => { using var other = lm.NewCache(); using var t = tensor(new long[] { 5 }).view(1, 1); lm.Forward(t, other).Dispose(); });
            thread.Start();
            thread.Join();
        }
        using (var after = tensor(new long[] { 6 }).view(1, 1)) lm.Forward(after, cache).Dispose();

        foreach (var kind in new[] { OpKind.QkvProduct, OpKind.OutProduct, OpKind.GateUpProduct, OpKind.DownProduct, OpKind.KvCache })
            Assert.Equal(layers, profile.Regions(kind));
        Assert.Equal(1, profile.Regions(OpKind.LmHead));
        Assert.Equal(2 * layers + 1, profile.Regions(OpKind.Norms));          // two per layer and the final norm
        Assert.Equal(1 + layers, profile.Regions(OpKind.Rope));               // the table once, then one rotation per layer
        Assert.Equal(2 * layers, profile.Regions(OpKind.Attention));          // splitting v off, then the attention proper
        Assert.Equal(1 + 3 * layers, profile.Regions(OpKind.Elementwise));    // embedding; two residual adds and SiLU x up per layer
        Assert.Equal(0, profile.Regions(OpKind.LogitsToHost));               // timed by the caller, not the model
        Assert.All(Enum.GetValues<OpKind>().Where(k => profile.Regions(k) > 0), k => Assert.True(profile.Tensors(k) > 0, $"{k}: no tensors counted"));
        Assert.All(Enum.GetValues<OpKind>(), k => Assert.Equal(0, idle.Regions(k)));
    }
}
