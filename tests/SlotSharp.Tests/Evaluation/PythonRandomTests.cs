using System.Numerics;
using SlotSharp.Evaluation;

namespace SlotSharp.Tests.Evaluation;

/// <summary>Goldens produced by CPython 3.11's random module.</summary>
public class PythonRandomTests
{
    [SkippableFact]
    public void Sample_seed42_1319_10()
    {
        Assert.Equal([1309, 228, 51, 563, 501, 457, 285, 209, 1116, 178], PythonRandom.SampleIndices(42, 1319, 10));
    }

    [SkippableFact]
    public void Sample_seed42_1319_100()
    {
        var s = PythonRandom.SampleIndices(42, 1319, 100);
        Assert.Equal([1309, 228, 51, 563, 501, 457, 285, 209, 1116, 178], s[..10]);
        Assert.Equal([292, 542, 505, 1103, 538], s[^5..]);
        Assert.Equal(63944, s.Sum());
    }

    [SkippableFact]
    public void Sample_uses_pool_for_small_population() =>
        // n = 50 <= setsize (21 + 4^ceil(log4(60)) = 85): the pool branch.
        Assert.Equal([20, 9, 25, 41, 3, 4, 34, 6, 23, 37, 45, 32, 13, 2, 5, 27, 26, 44, 15, 36],
            PythonRandom.SampleIndices(7, 50, 20));

    [SkippableFact]
    public void Sample_seed1_30_25() =>
        Assert.Equal([4, 18, 27, 25, 24, 2, 8, 3, 15, 14, 21, 12, 6, 22, 19, 0, 13, 17, 28, 9, 20, 7, 29, 5, 1],
            PythonRandom.SampleIndices(1, 30, 25));

    [SkippableFact]
    public void Sample_train_split() => Assert.Equal([5238, 912, 204, 6074, 2253], PythonRandom.SampleIndices(42, 7473, 5));

    [SkippableFact]
    public void Sample_whole_population_and_large_k()
    {
        var all = PythonRandom.SampleIndices(42, 1319, 1319);
        Assert.Equal([1309, 228, 51, 563, 501], all[..5]);
        Assert.Equal(869221, all.Sum());
        Assert.Equal([2640, 6977, 2011], PythonRandom.SampleIndices(42, 7473, 1000)[^3..]);
    }

    [SkippableFact]
    public void Random_floats()
    {
        var r = new PythonRandom(0);
        Assert.Equal(0.8444218515250481, r.NextDouble());
        Assert.Equal(0.7579544029403025, r.NextDouble());
        Assert.Equal(0.420571580830845, r.NextDouble());
        Assert.Equal(0.052363598850944326, new PythonRandom(123).NextDouble());
    }

    [SkippableFact]
    public void Negative_and_large_seeds()
    {
        // seed(-42) == seed(42): CPython uses abs(); 2**32 needs two key words.
        Assert.Equal(0.6394267984578837, new PythonRandom(-42).NextDouble());
        Assert.Equal(0.6394267984578837, new PythonRandom(42).NextDouble());
        Assert.Equal(0.11299430095636409, new PythonRandom(BigInteger.Pow(2, 32)).NextDouble());
    }

    [SkippableFact]
    public void Getrandbits_multiword()
    {
        var r = new PythonRandom(BigInteger.Parse("12345678901234567890"));
        Assert.Equal(new BigInteger(2199100970u), r.GetRandBits(32));
        Assert.Equal(BigInteger.Parse("644379460621599757127"), r.GetRandBits(70));
        Assert.Equal(new BigInteger(20), r.GetRandBits(5));
    }

    [SkippableFact]
    public void Randint_and_shuffle()
    {
        var r = new PythonRandom(3);
        Assert.Equal([2, 5, 5, 2, 3, 5, 4, 6, 5, 1], Enumerable.Range(0, 10).Select(_ => r.RandInt(1, 6)).ToArray());
        var list = Enumerable.Range(0, 10).ToList();
        new PythonRandom(5).Shuffle(list);
        Assert.Equal([2, 3, 1, 0, 8, 7, 6, 5, 4, 9], list);
    }
}
