using System.CommandLine;
using System.Diagnostics;
using SlotSharp.Models;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench decode`: a random-weight model with Qwen2.5-0.5B's shape (no download). Measures prefill tokens/s,
/// single-stream decode tokens/s, and the memory-bandwidth floor: the bytes of weights one decode step reads
/// (every layer matrix and the lm_head, in the compute dtype) divided by the measured bandwidth of a large copy.
/// </summary>
internal static class BenchDecodeCommand
{
    public static Command Create()
    {
        var dtypes = new Option<string>("--dtype") { Description = "Comma-separated compute dtypes to measure", DefaultValueFactory = _ => "fp32,bf16" };
        var prompt = new Option<int>("--prompt-tokens") { Description = "Prefill length", DefaultValueFactory = _ => 128 };
        var decode = new Option<int>("--decode-tokens") { Description = "Decode steps to time", DefaultValueFactory = _ => 32 };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = default)" };
        var profile = new Option<bool>("--profile") { Description = "After the timed decode, decode as many steps again timing each kind of op (products, attention, norms, ...)" };
        var cmd = new Command("decode", "Prefill and decode throughput of a Qwen2.5-0.5B-shaped random model vs the memory-bandwidth floor");
        cmd.Options.Add(dtypes); cmd.Options.Add(prompt); cmd.Options.Add(decode); cmd.Options.Add(threads); cmd.Options.Add(profile);
        cmd.SetAction(r =>
        {
            TorchRuntime.SetThreads(r.GetValue(threads));
            Console.WriteLine($"CPU: {CpuFeatures.ModelName}; threads {get_num_threads()}; native bf16: {CpuFeatures.HasNativeBf16}");
            double bandwidth = CopyBandwidth();
            Console.WriteLine($"large-copy bandwidth (read + write bytes / s): {bandwidth / 1e9:F2} GB/s");
            foreach (var name in r.GetValue(dtypes)!.Split(',', StringSplitOptions.RemoveEmptyEntries))
                Run(ComputeOptions.ParseDType(name.Trim()), r.GetValue(prompt), r.GetValue(decode), bandwidth, r.GetValue(profile));
            return 0;
        });
        return cmd;
    }

    static void Run(ScalarType dtype, int promptTokens, int decodeTokens, double bandwidth, bool profile)
    {
        var config = RandomWeights.Qwen25_05B;
        using var lm = CausalLM.Load(new RandomWeights(dtype), config, new ComputeOptions(CPU, dtype), "random-qwen2.5-0.5b");
        var ids = new long[promptTokens];
        var rng = new Random(1);
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.Next(config.VocabSize);

        using var warm = lm.NewCache(promptTokens + decodeTokens + 8);
        using (var t = tensor(ids.Take(8).ToArray()).unsqueeze(0)) lm.Forward(t, warm).Dispose();

        // Room for the profiled steps too, so the cache never grows during a timed step.
        using var cache = lm.NewCache(promptTokens + 2 * decodeTokens + 8);
        var clock = Stopwatch.StartNew();
        using (var t = tensor(ids).unsqueeze(0)) lm.Forward(t, cache).Dispose();
        double prefillS = clock.Elapsed.TotalSeconds;

        clock.Restart();
        DecodeSteps(lm, cache, ids, decodeTokens);
        double decodeS = clock.Elapsed.TotalSeconds;

        double weightBytes = DecodeWeightBytes(config, dtype);
        double floorS = weightBytes / bandwidth;
        double perToken = decodeS / decodeTokens;
        Console.WriteLine($"[{ComputeOptions.Name(dtype)}] prefill {promptTokens} tokens: {promptTokens / prefillS:F1} tokens/s; " +
            $"decode: {1 / perToken:F2} tokens/s ({perToken * 1000:F1} ms/token); weights read per token {weightBytes / 1e9:F3} GB; " +
            $"floor {floorS * 1000:F1} ms/token ({1 / floorS:F2} tokens/s); decode / floor = {perToken / floorS:F2}x");
        if (profile) BenchDecodeProfile.Run(lm, cache, ids, decodeTokens);
    }

    /// <summary>Greedy-shaped decode steps (the input ids come from the prompt; the logits are copied to the host as the sampler needs).</summary>
    internal static void DecodeSteps(CausalLM lm, KvCache cache, long[] ids, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            using var t = tensor(new long[] { ids[i % ids.Length] }).view(1, 1);
            using var o = lm.Forward(t, cache);
            using var region = OpProfile.Time(OpKind.LogitsToHost);
            using var cpu = o.Logits!.cpu();
        }
    }

    /// <summary>Bytes of every matrix a decode step reads: per layer q,k,v,o,gate,up,down (+biases, norms) and the lm_head.</summary>
    public static double DecodeWeightBytes(SlotSharp.Checkpoints.ModelConfig c, ScalarType dtype)
    {
        long d = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, i = c.IntermediateSize;
        long perLayer = d * (q + 2 * kv) + q * d + 3 * d * i + 2 * d + (c.AttentionBias ? q + 2 * kv : 0);
        long elements = perLayer * c.NumHiddenLayers + (long)c.VocabSize * d + d;
        int size = dtype == ScalarType.Float32 ? 4 : 2;
        return (double)elements * size;
    }

    /// <summary>Best of 5 copies of a 512 MB buffer; counts read and written bytes.</summary>
    internal static double CopyBandwidth()
    {
        const long bytes = 512L << 20;
        using var src = ones(bytes / 4, ScalarType.Float32);
        using var dst = empty(bytes / 4, ScalarType.Float32);
        dst.copy_(src);
        double best = double.MaxValue;
        for (int k = 0; k < 5; k++)
        {
            var clock = Stopwatch.StartNew();
            dst.copy_(src);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * bytes / best;
    }
}
