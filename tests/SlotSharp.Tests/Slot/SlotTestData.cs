using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Slot;

/// <summary>Small seeded random problems (H, W, ids) as both float64 arrays (for the oracle) and tensors.</summary>
public sealed class SlotProblem
{
    public required double[,] H { get; init; }
    public required double[,] W { get; init; }
    public required long[] Ids { get; init; }

    public static SlotProblem Random(int seed, int T = 7, int d = 8, int V = 50, double hScale = 1.0, double wScale = 0.5)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var h = new double[T, d];
        var w = new double[V, d];
        for (int t = 0; t < T; t++) for (int i = 0; i < d; i++) h[t, i] = hScale * Gauss();
        for (int j = 0; j < V; j++) for (int i = 0; i < d; i++) w[j, i] = wScale * Gauss();
        var ids = Enumerable.Range(0, T).Select(_ => (long)rng.Next(V)).ToArray();
        return new SlotProblem { H = h, W = w, Ids = ids };
    }

    /// <summary>Rounds H and W to float32 first, so the oracle sees exactly what the float32 paths see.</summary>
    public SlotProblem RoundedToFloat32() => new() { H = Round(H), W = Round(W), Ids = Ids };

    public Tensor HTensor(ScalarType dtype) => ToTensor(H, dtype);

    public Tensor WTensor(ScalarType dtype) => ToTensor(W, dtype);

    static double[,] Round(double[,] a)
    {
        var r = (double[,])a.Clone();
        for (int i = 0; i < r.GetLength(0); i++) for (int j = 0; j < r.GetLength(1); j++) r[i, j] = (float)r[i, j];
        return r;
    }

    static Tensor ToTensor(double[,] a, ScalarType dtype)
    {
        var flat = new double[a.Length];
        Buffer.BlockCopy(a, 0, flat, 0, flat.Length * sizeof(double));
        using var t = torch.tensor(flat, dtype: float64).reshape(a.GetLength(0), a.GetLength(1));
        return t.to(dtype);
    }
}

public static class SlotAssert
{
    public static void RelativeClose(double expected, double actual, double rel, string what)
    {
        double err = Math.Abs(expected - actual) / Math.Max(Math.Abs(expected), 1e-30);
        Assert.True(err <= rel, $"{what}: expected {expected:R}, got {actual:R} (relative error {err:E2} > {rel:E0})");
    }

    /// <summary>‖a - e‖₂ / ‖e‖₂ within <paramref name="rel"/> (absolute when e is zero).</summary>
    public static void RelativeL2(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double rel, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        double num = 0, den = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            num += (expected[i] - actual[i]) * (expected[i] - actual[i]);
            den += expected[i] * expected[i];
        }
        double err = den == 0 ? Math.Sqrt(num) : Math.Sqrt(num / den);
        Assert.True(err <= rel, $"{what}: relative L2 error {err:E2} > {rel:E0}");
    }

    public static double[] ToDoubles(float[] values) => [.. values.Select(v => (double)v)];
}
