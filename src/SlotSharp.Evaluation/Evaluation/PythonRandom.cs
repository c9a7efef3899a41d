using System.Numerics;

namespace SlotSharp.Evaluation;

/// <summary>
/// CPython 3.11's <c>random.Random</c> for integer seeds: MT19937 seeded through <c>init_by_array</c>,
/// <c>random()</c>, <c>getrandbits</c>, the getrandbits-based <c>_randbelow</c>, <c>sample</c>, <c>randint</c>
/// and <c>shuffle</c>. Needed because SLOT's GSM8K script picks its evaluation subset with
/// <c>random.seed(seed); random.sample(list, n)</c>; the same indices are only obtained by replaying that exactly.
/// </summary>
internal sealed class PythonRandom
{
    const int N = 624, M = 397;
    const uint MatrixA = 0x9908b0dfu, UpperMask = 0x80000000u, LowerMask = 0x7fffffffu;

    readonly uint[] _mt = new uint[N];
    int _index = N + 1;

    public PythonRandom(BigInteger seed) => Seed(seed);

    /// <summary><c>random.seed(a)</c> for an int: the key is |a| split into 32-bit words, least significant first.</summary>
    public void Seed(BigInteger seed)
    {
        var a = BigInteger.Abs(seed);
        var key = new List<uint>();
        if (a.IsZero) key.Add(0);
        while (!a.IsZero)
        {
            key.Add((uint)(a & uint.MaxValue));
            a >>= 32;
        }
        InitByArray(key);
    }

    void InitGenrand(uint s)
    {
        _mt[0] = s;
        for (int i = 1; i < N; i++)
            _mt[i] = unchecked(1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i);
        _index = N;
    }

    void InitByArray(IReadOnlyList<uint> key)
    {
        InitGenrand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Count); k > 0; k--)
        {
            _mt[i] = unchecked((_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j);
            i++; j++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
            if (j >= key.Count) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _mt[i] = unchecked((_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1566083941u)) - (uint)i);
            i++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
        }
        _mt[0] = 0x80000000u;
    }

    uint NextUInt32()
    {
        if (_index >= N)
        {
            for (int kk = 0; kk < N; kk++)
            {
                uint y = (_mt[kk] & UpperMask) | (_mt[(kk + 1) % N] & LowerMask);
                _mt[kk] = _mt[(kk + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0u);
            }
            _index = 0;
        }
        uint z = _mt[_index++];
        z ^= z >> 11;
        z ^= (z << 7) & 0x9d2c5680u;
        z ^= (z << 15) & 0xefc60000u;
        z ^= z >> 18;
        return z;
    }

    /// <summary><c>random.random()</c>: 53 random bits from two draws (27 + 26 bits).</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /// <summary><c>random.getrandbits(k)</c>: 32-bit words, least significant first; the last word keeps its top bits.</summary>
    public BigInteger GetRandBits(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (k == 0) return BigInteger.Zero;
        if (k <= 32) return NextUInt32() >> (32 - k);
        BigInteger result = BigInteger.Zero;
        int shift = 0;
        for (int remaining = k; remaining > 0; remaining -= 32, shift += 32)
        {
            uint r = NextUInt32();
            if (remaining < 32) r >>= 32 - remaining;
            result |= (BigInteger)r << shift;
        }
        return result;
    }

    /// <summary><c>_randbelow_with_getrandbits(n)</c>: rejection sampling with n.bit_length() bits.</summary>
    public int RandBelow(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        int k = 32 - BitOperations.LeadingZeroCount((uint)n);
        int r = (int)GetRandBits(k);
        while (r >= n) r = (int)GetRandBits(k);
        return r;
    }

    /// <summary><c>random.randint(a, b)</c>, both ends included.</summary>
    public int RandInt(int a, int b)
    {
        if (b < a) throw new ArgumentException($"empty range for randint({a}, {b})");
        return a + RandBelow(b - a + 1);
    }

    /// <summary><c>random.shuffle(x)</c> in place (Fisher-Yates from the end).</summary>
    public void Shuffle<T>(IList<T> x)
    {
        for (int i = x.Count - 1; i >= 1; i--)
        {
            int j = RandBelow(i + 1);
            (x[i], x[j]) = (x[j], x[i]);
        }
    }

    /// <summary>
    /// <c>random.sample(population, k)</c> as in CPython 3.11, including its choice between a pool copy and a
    /// set of selected indices (the two consume random numbers differently).
    /// </summary>
    public List<T> Sample<T>(IReadOnlyList<T> population, int k)
    {
        int n = population.Count;
        if (k < 0 || k > n) throw new ArgumentException($"Sample larger than population or is negative (k={k}, n={n})");
        var result = new List<T>(k);
        int setSize = 21;
        if (k > 5) setSize += (int)Math.Pow(4, Math.Ceiling(Math.Log(k * 3) / Math.Log(4)));
        if (n <= setSize)
        {
            var pool = population.ToList();
            for (int i = 0; i < k; i++)
            {
                int j = RandBelow(n - i);
                result.Add(pool[j]);
                pool[j] = pool[n - i - 1];
            }
        }
        else
        {
            var selected = new HashSet<int>();
            for (int i = 0; i < k; i++)
            {
                int j = RandBelow(n);
                while (selected.Contains(j)) j = RandBelow(n);
                selected.Add(j);
                result.Add(population[j]);
            }
        }
        return result;
    }

    /// <summary>Indices chosen by <c>random.seed(seed); random.sample(range(n), k)</c>.</summary>
    public static int[] SampleIndices(BigInteger seed, int n, int k) =>
        new PythonRandom(seed).Sample(Enumerable.Range(0, n).ToArray(), k).ToArray();
}
