using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SlotSharp.Slot;

/// <summary>
/// The sums SLOT's host math takes, written out because TensorPrimitives' Dot and Sum group their terms by the
/// memory alignment of the arrays they are given: the same values summed twice from two managed arrays could differ
/// in the last bit, and SLOT's results must not depend on where the GC put a buffer (a shared step must equal the
/// stage advanced alone, bit for bit). These always group terms by index: four vector accumulators, then the tail.
/// Element-wise work (exp, scale, multiply-add) stays with TensorPrimitives, which computes every element alike.
/// The hot loops here and in <see cref="WeightProducts"/> are compiled fully optimized on first use
/// (AggressiveOptimization): a stage runs each loop only a few dozen times, too few for tiered compilation to reach
/// its optimized tier, and measured the first pass over a 151936 x 896 W took 2-7x as long as the later ones.
/// </summary>
internal static class HostKernels
{
    /// <summary>Σ x_i y_i in float32, terms grouped by index only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("the spans differ in length");
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length, w = Vector<float>.Count, i = 0;
        var a0 = Vector<float>.Zero; var a1 = Vector<float>.Zero; var a2 = Vector<float>.Zero; var a3 = Vector<float>.Zero;
        for (; i <= n - 4 * w; i += 4 * w)
        {
            a0 = Vector.FusedMultiplyAdd(Load(ref px, i), Load(ref py, i), a0);
            a1 = Vector.FusedMultiplyAdd(Load(ref px, i + w), Load(ref py, i + w), a1);
            a2 = Vector.FusedMultiplyAdd(Load(ref px, i + 2 * w), Load(ref py, i + 2 * w), a2);
            a3 = Vector.FusedMultiplyAdd(Load(ref px, i + 3 * w), Load(ref py, i + 3 * w), a3);
        }
        for (; i <= n - w; i += w) a0 = Vector.FusedMultiplyAdd(Load(ref px, i), Load(ref py, i), a0);
        float sum = Vector.Sum((a0 + a1) + (a2 + a3));
        for (; i < n; i++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i), sum);
        return sum;
    }

    /// <summary>Σ x_i in float64 (a softmax row's sum of up to 152k terms), grouped by index only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum(ReadOnlySpan<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length, w = Vector<float>.Count, i = 0;
        var a0 = Vector<float>.Zero; var a1 = Vector<float>.Zero;
        double total = 0;
        // Float32 lanes over blocks of 4096 elements, each block's total added in float64.
        while (i <= n - 2 * w)
        {
            int end = Math.Min(n - 2 * w, i + 4096);
            for (; i <= end; i += 2 * w)
            {
                a0 += Load(ref px, i);
                a1 += Load(ref px, i + w);
            }
            total += Vector.Sum(a0 + a1);
            a0 = Vector<float>.Zero; a1 = Vector<float>.Zero;
        }
        for (; i < n; i++) total += Unsafe.Add(ref px, i);
        return total;
    }

    /// <summary>acc_i += a x_i, each element one fused multiply-add (vector lanes and tail alike).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy(float a, ReadOnlySpan<float> x, Span<float> acc)
    {
        if (x.Length != acc.Length) throw new ArgumentException("the spans differ in length");
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pa = ref MemoryMarshal.GetReference(acc);
        int n = x.Length, w = Vector<float>.Count, i = 0;
        var va = new Vector<float>(a);
        for (; i <= n - 2 * w; i += 2 * w)
        {
            Vector.FusedMultiplyAdd(va, Load(ref px, i), Load(ref pa, i)).StoreUnsafe(ref pa, (nuint)i);
            Vector.FusedMultiplyAdd(va, Load(ref px, i + w), Load(ref pa, i + w)).StoreUnsafe(ref pa, (nuint)(i + w));
        }
        for (; i <= n - w; i += w) Vector.FusedMultiplyAdd(va, Load(ref px, i), Load(ref pa, i)).StoreUnsafe(ref pa, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref pa, i) = MathF.FusedMultiplyAdd(a, Unsafe.Add(ref px, i), Unsafe.Add(ref pa, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<float> Load(ref float p, int i) => Vector.LoadUnsafe(ref p, (nuint)i);
}
