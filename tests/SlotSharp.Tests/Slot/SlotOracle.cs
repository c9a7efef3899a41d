using SlotSharp.Slot;

namespace SlotSharp.Tests.Slot;

/// <summary>
/// An independent SLOT oracle in plain float64 C#, following shared/models/README.md ("SLOT arithmetic") literally:
/// full logits, softmax, one-hot, per-row gradients; nothing shared with the library.
/// </summary>
public static class SlotOracle
{
    public sealed record Trajectory(double[] Losses, double[] DeltaNorms, double[] Delta);

    /// <summary>losses has times + 1 entries (before each step and after the last).</summary>
    public static Trajectory Run(double[,] h, double[,] w, long[] ids, SlotOptimizerKind kind, int times, double lr)
    {
        int T = h.GetLength(0), d = h.GetLength(1), V = w.GetLength(0), n = T - 1;
        var delta = new double[d];
        var m = new double[d];
        var v = new double[d];
        var losses = new List<double>();
        var norms = new List<double>();
        for (int k = 1; k <= times + 1; k++)
        {
            var probs = new double[n, V];
            double lossHf = 0, lossVllm = 0;
            for (int t = 0; t < n; t++)
            {
                var z = new double[V];
                for (int j = 0; j < V; j++)
                    for (int i = 0; i < d; i++) z[j] += (h[t, i] + delta[i]) * w[j, i];
                double zmax = z.Max(), sum = 0;
                for (int j = 0; j < V; j++) sum += Math.Exp(z[j] - zmax);
                for (int j = 0; j < V; j++) probs[t, j] = Math.Exp(z[j] - zmax) / sum;
                int y = (int)ids[t + 1];
                lossHf += -(z[y] - zmax - Math.Log(sum));
                lossVllm += -Math.Log(probs[t, y] + 1e-10);
            }
            losses.Add(kind == SlotOptimizerKind.AdamW ? lossHf / n : lossVllm / (n + 1e-10));
            if (k == times + 1) break;

            // G = softmax - onehot, scaled per variant; D = G W.
            var g = new double[d];
            for (int t = 0; t < n; t++)
            {
                int y = (int)ids[t + 1];
                for (int j = 0; j < V; j++)
                {
                    double gj = probs[t, j] - (j == y ? 1 : 0);
                    gj = kind == SlotOptimizerKind.AdamW ? gj / n : gj / (n + 1e-10);
                    for (int i = 0; i < d; i++) g[i] += gj * w[j, i];
                }
            }
            if (kind == SlotOptimizerKind.Vllm)
                for (int i = 0; i < d; i++) g[i] /= n; // D.mean(dim=0): averaged a second time

            if (kind == SlotOptimizerKind.AdamW)
            {
                for (int i = 0; i < d; i++) delta[i] *= 1 - lr * 1e-8;
                for (int i = 0; i < d; i++)
                {
                    m[i] = 0.9 * m[i] + 0.1 * g[i];
                    v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                    delta[i] -= lr * (m[i] / (1 - Math.Pow(0.9, k))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999, k))) + 1e-5);
                }
            }
            else
            {
                for (int i = 0; i < d; i++)
                {
                    m[i] = 0.9 * m[i] + 0.1 * g[i];
                    v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i];
                    double mHat = m[i] / (1 - Math.Pow(0.9, k)), vHat = v[i] / (1 - Math.Pow(0.95, k));
                    delta[i] = delta[i] - lr * mHat / (Math.Sqrt(vHat) + 1e-6) - lr * 1e-5 * delta[i];
                }
            }
            norms.Add(Math.Sqrt(delta.Sum(x => x * x)));
        }
        return new Trajectory([.. losses], [.. norms], delta);
    }
}
