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
}
