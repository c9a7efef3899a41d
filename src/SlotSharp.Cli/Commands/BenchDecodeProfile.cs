using System.Diagnostics;
using SlotSharp.Checkpoints;
using SlotSharp.Models;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench decode --profile`: where one decode step's time goes. Decodes as many steps again as the timed run with
/// an <see cref="OpProfile"/> active, then prints per kind of op: ms per token, share of the step, regions and libtorch
/// tensors per token, and for the weight products the bandwidth their weight reads reach. "Outside ops" is the step
/// time no region covers (dispose scopes, the model's own managed code). The cost of one minimal libtorch op, measured
/// here, times the tensors created per token estimates the per-op overhead that is in every row.
/// </summary>
static class BenchDecodeProfile
{
    public static void Run(CausalLM lm, KvCache cache, long[] ids, int steps)
    {
        var profile = new OpProfile();
        var clock = Stopwatch.StartNew();
        using (profile.Activate()) BenchDecodeCommand.DecodeSteps(lm, cache, ids, steps);
        double totalMs = clock.Elapsed.TotalMilliseconds / steps;

        var bytes = WeightBytes(lm.Config, lm.Compute.DType);
        Console.WriteLine($"  {"part",-14} {"ms/token",9} {"share",6} {"regions",8} {"tensors",8}  weights read");
        double opsMs = 0;
        long tensors = 0;
        foreach (var kind in Enum.GetValues<OpKind>())
        {
            double ms = profile.Seconds(kind) * 1000 / steps;
            opsMs += ms;
            tensors += profile.Tensors(kind);
            string read = bytes.TryGetValue(kind, out double b) ? $"{b / 1e6,7:F1} MB at {b / (ms / 1000) / 1e9:F1} GB/s" : "";
            Console.WriteLine($"  {kind,-14} {ms,9:F2} {ms / totalMs,6:P0} {profile.Regions(kind) / (double)steps,8:F0} {profile.Tensors(kind) / (double)steps,8:F0}  {read}");
        }
        Console.WriteLine($"  {"outside ops",-14} {totalMs - opsMs,9:F2} {(totalMs - opsMs) / totalMs,6:P0}");
        Console.WriteLine($"  {"step",-14} {totalMs,9:F2}");
        double opUs = MinimalOpMicroseconds();
        double perToken = tensors / (double)steps;
        Console.WriteLine($"  libtorch tensors created per token: {perToken:F0}; one minimal op (add of two {lm.Config.HiddenSize}-float vectors " +
            $"in a dispose scope) costs {opUs:F2} us here, so about {perToken * opUs / 1000:F1} ms/token is per-op overhead");
    }

    /// <summary>Bytes of weights each product reads per token (all layers).</summary>
    static Dictionary<OpKind, double> WeightBytes(ModelConfig c, ScalarType dtype)
    {
        double size = dtype == ScalarType.Float32 ? 4 : 2, layers = c.NumHiddenLayers;
        long d = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, i = c.IntermediateSize;
        return new()
        {
            [OpKind.QkvProduct] = layers * size * (d + 1) * (q + 2 * kv),
            [OpKind.OutProduct] = layers * size * q * d,
            [OpKind.GateUpProduct] = layers * size * 2 * i * d,
            [OpKind.DownProduct] = layers * size * i * d,
            [OpKind.LmHead] = size * c.VocabSize * d,
        };
    }

    /// <summary>Best of 5 batches of 2000 adds of two small vectors: the fixed cost of one op (P/Invoke, dispatch, wrapper, scope).</summary>
    static double MinimalOpMicroseconds()
    {
        const int n = 2000;
        using var a = ones(896);
        using var b = ones(896);
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                a.add(b, HeldScalars.One);
            }
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds * 1000 / n);
        }
        return best;
    }
}
