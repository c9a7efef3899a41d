using SlotSharp.Generation;

namespace SlotSharp.Tests.Generation;

public class TokenSamplerTests
{
    static readonly float[] Logits = [1.0f, 3.0f, 2.0f, 0.5f, 2.9f];

    [SkippableFact]
    public void GreedyTakesTheFirstMaximum()
    {
        Assert.Equal(1, TokenSampler.ArgMax(Logits));
        Assert.Equal(0, TokenSampler.ArgMax([2f, 2f, 1f]));
        Assert.Equal(1, TokenSampler.ArgMax([float.NaN, 1f]));
    }

    [SkippableFact]
    public void TopKOneAndTinyTopPAreGreedy()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            Assert.Equal(1, new TokenSampler(new GenerationOptions { Temperature = 5, TopK = 1, Seed = seed }).Next(Logits));
            Assert.Equal(1, new TokenSampler(new GenerationOptions { Temperature = 1, TopP = 1e-6, Seed = seed }).Next(Logits));
        }
    }

    [SkippableFact]
    public void TopKAndTopPKeepOnlyTheirCandidates()
    {
        // top_k 2 keeps ids 1 and 4; top_p 0.5 at T=1 keeps id 1 (p=0.40) and id 4 (mass before it 0.40 < 0.5), not id 2 (0.77 before it).
        var seen = new HashSet<int>();
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 1, TopK = 2, Seed = 3 });
        for (int i = 0; i < 400; i++) seen.Add(sampler.Next(Logits));
        Assert.Equal(new HashSet<int> { 1, 4 }, seen);
        seen.Clear();
        sampler = new TokenSampler(new GenerationOptions { Temperature = 1, TopP = 0.5, Seed = 3 });
        for (int i = 0; i < 400; i++) seen.Add(sampler.Next(Logits));
        Assert.Equal(new HashSet<int> { 1, 4 }, seen);
    }

    [SkippableFact]
    public void SamplingFollowsTheSoftmaxAndIsSeeded()
    {
        // Softmax of [1, 3, 2, 0.5, 2.9] at T=1 (e^x / 50.016): 0.0543, 0.4016, 0.1477, 0.0330, 0.3634.
        double[] expected = [0.0543, 0.4016, 0.1477, 0.0330, 0.3634];
        var counts = new int[5];
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 1, Seed = 11 });
        const int draws = 20000;
        for (int i = 0; i < draws; i++) counts[sampler.Next(Logits)]++;
        for (int i = 0; i < 5; i++) Assert.InRange(counts[i] / (double)draws, expected[i] - 0.015, expected[i] + 0.015);

        var a = new TokenSampler(new GenerationOptions { Temperature = 0.8, Seed = 42 });
        var b = new TokenSampler(new GenerationOptions { Temperature = 0.8, Seed = 42 });
        Assert.Equal(Enumerable.Range(0, 50).Select(_ => a.Next(Logits)), Enumerable.Range(0, 50).Select(_ => b.Next(Logits)));
    }

    [SkippableFact]
    public void MinPDropsTokensBelowItsShareOfTheTopProbability()
    {
        // At T=1, p / p_max = e^(x - 3): 0.135, 1, 0.368, 0.082, 0.905. min_p 0.3 keeps ids 1, 2, 4, renormalised to
        // 1 / 2.2727 = 0.440, 0.368 / 2.2727 = 0.162, 0.905 / 2.2727 = 0.398.
        var counts = new int[5];
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 1, MinP = 0.3, Seed = 5 });
        const int draws = 20000;
        for (int i = 0; i < draws; i++) counts[sampler.Next(Logits)]++;
        Assert.Equal(0, counts[0]);
        Assert.Equal(0, counts[3]);
        double[] expected = [0, 0.440, 0.162, 0, 0.398];
        foreach (int id in new[] { 1, 2, 4 }) Assert.InRange(counts[id] / (double)draws, expected[id] - 0.015, expected[id] + 0.015);

        // Temperature first, as vLLM: at T=2 the ratios are e^((x - 3) / 2) = 0.368, 1, 0.607, 0.287, 0.951, so
        // min_p 0.3 now keeps id 0 too (and still drops id 3).
        var seen = new HashSet<int>();
        sampler = new TokenSampler(new GenerationOptions { Temperature = 2, MinP = 0.3, Seed = 5 });
        for (int i = 0; i < 2000; i++) seen.Add(sampler.Next(Logits));
        Assert.Equal(new HashSet<int> { 0, 1, 2, 4 }, seen);
    }

    [SkippableFact]
    public void TopPRenormalisesOverWhatMinPKept()
    {
        // vLLM: min_p 0.3 keeps 1, 2, 4 (0.440, 0.398, 0.162 renormalised); top_p 0.8 then needs 1 and 4 (0.838).
        // top_p on the full softmax first would keep 1, 4 and 2 (0.402 + 0.363 = 0.765 < 0.8), which min_p keeps.
        var seen = new HashSet<int>();
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 1, MinP = 0.3, TopP = 0.8, Seed = 9 });
        for (int i = 0; i < 2000; i++) seen.Add(sampler.Next(Logits));
        Assert.Equal(new HashSet<int> { 1, 4 }, seen);
    }

    [SkippableFact]
    public void MinPLeavesGreedyAlone()
    {
        Assert.Equal(1, new TokenSampler(new GenerationOptions { MinP = 1 }).Next(Logits));
        // min_p 1 keeps only the most likely token when sampling.
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 1.5, MinP = 1, Seed = 2 });
        Assert.All(Enumerable.Range(0, 200), _ => Assert.Equal(1, sampler.Next(Logits)));
    }
}
