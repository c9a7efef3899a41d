using SlotSharp.Checkpoints;
using SlotSharp.Models;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Models;

public class ModelBehaviourTests
{
    [SkippableFact]
    public void IncrementalDecodingWithCacheEqualsOneFullForward()
    {
        var golden = Golden.Load("stories260K");
        var lm = ModelCache.Float32(golden);
        int[] ids = Golden.Ints(golden.Prompts.Last()["input_ids"]);
        using var all = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using var full = lm.NewCache();
        using var reference = lm.Forward(all, full, LogitsMode.All);

        using var cache = lm.NewCache(2); // small capacity: forces the cache to grow
        int split = ids.Length / 2;
        using (var first = all.narrow(1, 0, split)) lm.Forward(first, cache, LogitsMode.None).Dispose();
        for (int t = split; t < ids.Length; t++)
        {
            using var one = all.narrow(1, t, 1);
            using var step = lm.Forward(one, cache, LogitsMode.Last);
            using var expected = reference.Logits![0, t];
            using var diff = (step.Logits![0, 0] - expected).abs().max();
            Assert.True(diff.item<float>() < 1e-4, $"position {t}: {diff.item<float>()}");
        }
        Assert.Equal(ids.Length, cache.Length);
    }

    [SkippableFact]
    public void Bf16ComputeStaysCloseToFloat32Golden()
    {
        var golden = Golden.Load("stories260K");
        var p = golden.Prompts.Last();
        int[] ids = Golden.Ints(p["input_ids"]);
        using var ckpt = Checkpoint.Open(golden.ModelDir);
        using var lm = CausalLM.Load(ckpt, new ComputeOptions(CPU, ScalarType.BFloat16));
        using var cache = lm.NewCache();
        using var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using var output = lm.Forward(input, cache);
        Assert.Equal(ScalarType.BFloat16, output.Hidden.dtype);
        var expected = Golden.Doubles(p["logits_last"]!["values"]);
        var actual = output.Logits![0, 0].data<float>().ToArray();
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst < 0.5, $"bf16 logits differ from the float32 golden by {worst}");
        Assert.Equal((int)p["logits_last"]!["argmax"]!, TokenSamplerArgMax(actual));
    }

    static int TokenSamplerArgMax(float[] x) => SlotSharp.Generation.TokenSampler.ArgMax(x);

    [SkippableFact]
    public void Llama3RopeScalingMatchesTransformersFormula()
    {
        // Llama-3.1's rope settings; expected values from transformers' _compute_llama3_parameters evaluated in float64.
        var config = RandomWeights.Qwen25_05B with
        {
            Architecture = "LlamaForCausalLM", HeadDim = 128, RopeTheta = 500000,
            RopeScaling = new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192),
        };
        using var rope = new RotaryEmbedding(config, CPU);
        var (cos, _) = rope.Table(1, 1, ScalarType.Float32); // position 1: cos(inv_freq)
        var actual = cos[0].data<float>().ToArray();
        for (int i = 0; i < 64; i++)
        {
            double inv = 1.0 / Math.Pow(500000, 2.0 * i / 128);
            double wavelen = 2 * Math.PI / inv;
            double scaled = wavelen > 8192 ? inv / 8 : inv;
            if (wavelen >= 8192 / 4.0 && wavelen <= 8192)
            {
                double smooth = (8192 / wavelen - 1) / (4 - 1);
                scaled = (1 - smooth) * scaled / 8 + smooth * scaled;
            }
            Assert.Equal(Math.Cos(scaled), actual[i], 1e-6);
            Assert.Equal(Math.Cos(scaled), actual[i + 64], 1e-6);
        }
    }

    [SkippableFact]
    public void UnsupportedRopeTypeIsNamed()
    {
        var config = RandomWeights.Qwen25_05B with { RopeScaling = new RopeScaling("yarn", 4, 1, 4, 8192) };
        var e = Assert.Throws<SlotSharpException>(() => new RotaryEmbedding(config, CPU));
        Assert.Contains("'yarn'", e.Message);
        Assert.Contains("llama3", e.Message);
    }
}

public class ChunkedPrefillTests
{
    [SkippableFact]
    public void ChunkedPrefillGivesTheSameHiddenStatesAndTokens()
    {
        var golden = Golden.Load("stories260K");
        var lm = ModelCache.Float32(golden);
        int[] ids = Golden.Ints(golden.Prompts.Last()["input_ids"]);
        var whole = new SlotSharp.Tests.Oracles.TokenGenerator(lm);
        var chunked = new SlotSharp.Tests.Oracles.TokenGenerator(lm) { PrefillChunk = 7 };
        using var a = whole.Prefill(ids, new SlotSharp.Generation.GenerationOptions { MaxNewTokens = 8 });
        using var b = chunked.Prefill(ids, new SlotSharp.Generation.GenerationOptions { MaxNewTokens = 8 });
        Assert.Equal(a.Hidden.shape, b.Hidden.shape);
        using var diff = (a.Hidden - b.Hidden).abs().max();
        Assert.True(diff.item<float>() < 1e-4, $"max |H_whole - H_chunked| = {diff.item<float>()}");
        var options = new SlotSharp.Generation.GenerationOptions { MaxNewTokens = 24 };
        Assert.Equal(whole.Decode(a, options).GeneratedIds, chunked.Decode(b, options).GeneratedIds);
    }
}
