using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SlotSharp.Gguf;

/// <summary>
/// ggml block formats decoded to float32, a row at a time, read in place (a mapped GGUF file): every type llama.cpp's
/// quantizer writes an output weight in (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K ... Q6_K, IQ4_NL, IQ4_XS).
/// Each decoder follows ggml-quants.c's reference dequantize_row_* function, in the same order of float operations
/// and without fused multiply-adds, so the values are those of ggml's x64 builds bit for bit (GgmlRowDecoderTests
/// checks them against libggml-base itself; ggml's arm64 builds fuse the d·q - m of the types with a min, which
/// moves those by a rounding). Every type but Q2_K and Q3_K (heads of the smallest mixes only) has an AVX2 path
/// beside the scalar one; both give the same bits.
/// </summary>
internal static unsafe class GgmlDequantize
{
    /// <summary>Whether <see cref="Row(GgmlType, byte*, float*, int)"/> decodes <paramref name="type"/>.</summary>
    public static bool CanDecode(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16
        or GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q8_0
        or GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K
        or GgmlType.IQ4_NL or GgmlType.IQ4_XS;

    public const string Decodable = "F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL and IQ4_XS";

    /// <summary>A whole tensor (<paramref name="output"/>.Length values) decoded; <paramref name="what"/> names it in errors.</summary>
    public static void ToFloat32(GgmlType type, byte* src, long byteLength, Span<float> output, string what)
    {
        if (!CanDecode(type)) throw new SlotSharpException($"{what} has type {type}, which SlotSharp cannot read ({Decodable} can)");
        int blockElements = GgufFormat.Block(type).BlockElements;
        if (output.Length % blockElements != 0 || GgufFormat.ByteSize(type, output.Length) > byteLength)
            throw new SlotSharpException($"{what}: {output.Length} {type} values are not whole blocks within its {byteLength} bytes");
        fixed (float* y = output) Row(type, src, y, output.Length);
    }

    /// <summary>
    /// Decodes <paramref name="count"/> values (whole blocks of <paramref name="type"/>; the caller checks) stored at
    /// <paramref name="src"/> into <paramref name="dst"/>. The type must be one <see cref="CanDecode"/> accepts.
    /// </summary>
    public static void Row(GgmlType type, byte* src, float* dst, int count) => Row(type, src, dst, count, Avx2.IsSupported);

    /// <summary>As <see cref="Row(GgmlType, byte*, float*, int)"/>; <paramref name="vectors"/> false takes the scalar paths (tests).</summary>
    internal static void Row(GgmlType type, byte* src, float* dst, int count, bool vectors)
    {
        vectors &= Avx2.IsSupported;
        switch (type)
        {
            case GgmlType.F32: Buffer.MemoryCopy(src, dst, 4L * count, 4L * count); break;
            case GgmlType.F16: F16(src, dst, count, vectors); break;
            case GgmlType.BF16: BF16(src, dst, count, vectors); break;
            case GgmlType.Q4_0: Q4_0(src, dst, count / 32, vectors); break;
            case GgmlType.Q4_1: Q4_1(src, dst, count / 32, vectors); break;
            case GgmlType.Q5_0: Q5_0(src, dst, count / 32, vectors); break;
            case GgmlType.Q5_1: Q5_1(src, dst, count / 32, vectors); break;
            case GgmlType.Q8_0: Q8_0(src, dst, count / 32, vectors); break;
            case GgmlType.Q2_K: Q2_K(src, dst, count / 256); break;
            case GgmlType.Q3_K: Q3_K(src, dst, count / 256); break;
            case GgmlType.Q4_K: Q4_K(src, dst, count / 256, vectors); break;
            case GgmlType.Q5_K: Q5_K(src, dst, count / 256, vectors); break;
            case GgmlType.Q6_K: Q6_K(src, dst, count / 256, vectors); break;
            case GgmlType.IQ4_NL: IQ4_NL(src, dst, count / 32, vectors); break;
            case GgmlType.IQ4_XS: IQ4_XS(src, dst, count / 256, vectors); break;
            default: throw new SlotSharpException($"ggml type {type} cannot be decoded ({Decodable} can)");
        }
    }

    public static float BFloat16(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>
    /// IEEE half to single, exactly, without arithmetic on subnormals (a flush-to-zero mode cannot change it):
    /// normals rebias the exponent, subnormals go through 0.5 + m·2⁻²⁴ − 0.5, Inf/NaN keep all-ones exponents.
    /// </summary>
    public static float Half(ushort h)
    {
        uint em = h & 0x7FFFu, sign = (uint)(h & 0x8000) << 16;
        uint bits = em < 0x400 ? BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(em | 0x3F000000u) - 0.5f)
            : em >= 0x7C00 ? (em << 13) | 0x7F800000u
            : (em << 13) + 0x38000000u;
        return BitConverter.UInt32BitsToSingle(bits | sign);
    }

    static float Half(byte* p) => Half(*(ushort*)p);

    /// <summary><see cref="Half(ushort)"/> on 8 halves, zero-extended to 32 bits.</summary>
    static Vector256<float> Half(Vector256<int> h)
    {
        var em = h & Vector256.Create(0x7FFF);
        var sign = (h & Vector256.Create(0x8000)) << 16;
        var shifted = em << 13;
        var normal = shifted + Vector256.Create(0x38000000);
        var subnormal = (Vector256.BitwiseOr(em, Vector256.Create(0x3F000000)).AsSingle() - Vector256.Create(0.5f)).AsInt32();
        var special = shifted | Vector256.Create(0x7F800000);
        var bits = Vector256.ConditionalSelect(Vector256.LessThan(em, Vector256.Create(0x400)), subnormal,
            Vector256.ConditionalSelect(Vector256.GreaterThan(em, Vector256.Create(0x7BFF)), special, normal));
        return (bits | sign).AsSingle();
    }

    static void F16(byte* x, float* y, int count, bool vectors)
    {
        var h = (ushort*)x;
        int i = 0;
        if (vectors)
            for (; i + 8 <= count; i += 8) Half(Avx2.ConvertToVector256Int32(h + i)).Store(y + i);
        for (; i < count; i++) y[i] = Half(h[i]);
    }

    static void BF16(byte* x, float* y, int count, bool vectors)
    {
        var h = (ushort*)x;
        int i = 0;
        if (vectors)
        {
            for (; i + 16 <= count; i += 16)
            {
                (Avx2.ConvertToVector256Int32(h + i) << 16).AsSingle().Store(y + i);
                (Avx2.ConvertToVector256Int32(h + i + 8) << 16).AsSingle().Store(y + i + 8);
            }
        }
        for (; i < count; i++) y[i] = BFloat16(h[i]);
    }

    // block_q4_0 (18 bytes): fp16 d, 16 bytes of nibbles; x = (q - 8)·d, low nibbles first, then high.
    static void Q4_0(byte* x, float* y, int blocks, bool vectors)
    {
        for (int b = 0; b < blocks; b++, x += 18, y += 32)
        {
            float d = Half(x);
            byte* qs = x + 2;
            if (vectors) { Nibbles32(qs, 0, fifth: false, 8, d, 0, min: false, y); continue; }
            for (int j = 0; j < 16; j++)
            {
                y[j] = ((qs[j] & 0xF) - 8) * d;
                y[j + 16] = ((qs[j] >> 4) - 8) * d;
            }
        }
    }

    // block_q4_1 (20 bytes): fp16 d, fp16 m, 16 bytes of nibbles; x = q·d + m.
    static void Q4_1(byte* x, float* y, int blocks, bool vectors)
    {
        for (int b = 0; b < blocks; b++, x += 20, y += 32)
        {
            float d = Half(x), m = Half(x + 2);
            byte* qs = x + 4;
            if (vectors) { Nibbles32(qs, 0, fifth: false, 0, d, m, min: true, y); continue; }
            for (int j = 0; j < 16; j++)
            {
                y[j] = (qs[j] & 0xF) * d + m;
                y[j + 16] = (qs[j] >> 4) * d + m;
            }
        }
    }

    // block_q5_0 (22 bytes): fp16 d, 32 fifth bits (little-endian uint32), 16 bytes of nibbles; x = (q - 16)·d.
    // The fifth bit of value j (0..15) is bit j, of value j + 16 bit j + 16.
    static void Q5_0(byte* x, float* y, int blocks, bool vectors)
    {
        for (int b = 0; b < blocks; b++, x += 22, y += 32)
        {
            float d = Half(x);
            int qh = x[2] | (x[3] << 8) | (x[4] << 16) | (x[5] << 24);
            byte* qs = x + 6;
            if (vectors) { Nibbles32(qs, qh, fifth: true, 16, d, 0, min: false, y); continue; }
            for (int j = 0; j < 16; j++)
            {
                int h0 = ((qh >>> j) & 1) << 4, h1 = ((qh >>> (j + 16)) & 1) << 4;
                y[j] = (((qs[j] & 0xF) | h0) - 16) * d;
                y[j + 16] = (((qs[j] >> 4) | h1) - 16) * d;
            }
        }
    }

    // block_q5_1 (24 bytes): fp16 d, fp16 m, 32 fifth bits, 16 bytes of nibbles; x = q·d + m.
    static void Q5_1(byte* x, float* y, int blocks, bool vectors)
    {
        for (int b = 0; b < blocks; b++, x += 24, y += 32)
        {
            float d = Half(x), m = Half(x + 2);
            int qh = x[4] | (x[5] << 8) | (x[6] << 16) | (x[7] << 24);
            byte* qs = x + 8;
            if (vectors) { Nibbles32(qs, qh, fifth: true, 0, d, m, min: true, y); continue; }
            for (int j = 0; j < 16; j++)
            {
                int h0 = ((qh >>> j) & 1) << 4, h1 = ((qh >>> (j + 16)) & 1) << 4;
                y[j] = ((qs[j] & 0xF) | h0) * d + m;
                y[j + 16] = ((qs[j] >> 4) | h1) * d + m;
            }
        }
    }

    /// <summary>
    /// One Q4_0/Q4_1/Q5_0/Q5_1 block on 8 lanes: value j is (q_j - <paramref name="bias"/>)·d (+ m with
    /// <paramref name="min"/>), q_j the low nibble of qs[j] (j &lt; 16) or the high one of qs[j - 16], plus bit j of
    /// <paramref name="qh"/> as its fifth bit with <paramref name="fifth"/>. No + m at all without a min: adding 0 would
    /// turn ggml's -0 into +0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Nibbles32(byte* qs, int qh, bool fifth, int bias, float d, float m, bool min, float* y)
    {
        Vector256<float> vd = Vector256.Create(d), vm = Vector256.Create(m);
        Vector256<int> low = Vector256.Create(0xF), one = Vector256.Create(1), vbias = Vector256.Create(bias), bits = Vector256.Create(qh);
        for (int l = 0; l < 16; l += 8)
        {
            var v = Avx2.ConvertToVector256Int32(qs + l);
            Vector256<int> q0 = v & low, q1 = v >>> 4;
            if (fifth)
            {
                var lane = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7) + Vector256.Create((uint)l);
                q0 |= (Avx2.ShiftRightLogicalVariable(bits, lane) & one) << 4;
                q1 |= (Avx2.ShiftRightLogicalVariable(bits, lane + Vector256.Create(16u)) & one) << 4;
            }
            var f0 = Avx.ConvertToVector256Single(q0 - vbias) * vd;
            var f1 = Avx.ConvertToVector256Single(q1 - vbias) * vd;
            if (min) { f0 += vm; f1 += vm; }
            f0.Store(y + l);
            f1.Store(y + 16 + l);
        }
    }

    // block_q8_0 (34 bytes): fp16 d, int8 qs[32]; x = q·d.
    static void Q8_0(byte* x, float* y, int blocks, bool vectors)
    {
        if (vectors)
        {
            for (int b = 0; b < blocks; b++, x += 34, y += 32)
            {
                var d = Vector256.Create(Half(x));
                var qs = (sbyte*)(x + 2);
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qs)) * d).Store(y);
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qs + 8)) * d).Store(y + 8);
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qs + 16)) * d).Store(y + 16);
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qs + 24)) * d).Store(y + 24);
            }
            return;
        }
        for (int b = 0; b < blocks; b++, x += 34, y += 32)
        {
            float d = Half(x);
            var qs = (sbyte*)(x + 2);
            for (int j = 0; j < 32; j++) y[j] = qs[j] * d;
        }
    }

    // block_q2_K (84 bytes): 16 bytes of 4-bit scale | 4-bit min, 64 bytes of 2-bit quants, fp16 d, fp16 dmin.
    // Sub-blocks of 16: x = (d·scale)·q - dmin·min.
    static void Q2_K(byte* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x += 84)
        {
            byte* scales = x, q = x + 16;
            float d = Half(x + 80), min = Half(x + 82);
            int s = 0;
            for (int n = 0; n < 256; n += 128, q += 32)
            {
                for (int shift = 0; shift < 8; shift += 2)
                {
                    for (int half = 0; half < 32; half += 16)
                    {
                        int sc = scales[s++];
                        float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                        for (int l = 0; l < 16; l++) *y++ = dl * ((q[half + l] >> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    // block_q3_K (110 bytes): 32 bytes of high bits, 64 bytes of 2-bit quants, 12 bytes of 6-bit scales, fp16 d.
    // Sub-blocks of 16: x = (d·(scale - 32))·(q - (high bit set ? 0 : 4)).
    static void Q3_K(byte* x, float* y, int blocks)
    {
        int* scale = stackalloc int[16];
        for (int b = 0; b < blocks; b++, x += 110)
        {
            byte* hm = x, q = x + 32, packed = x + 96;
            float d = Half(x + 108);
            // Scale j: low 4 bits in byte j (j < 8) or the high nibble of byte j - 8; its top 2 bits in byte 8 + j % 4.
            for (int j = 0; j < 16; j++)
                scale[j] = ((j < 8 ? packed[j] & 0xF : packed[j - 8] >> 4) | (((packed[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
            // The high bit of quant l of pass p (0..7) is bit p of hm[l]; a clear one subtracts 4 (no branch on it).
            int s = 0, bit = 0;
            for (int n = 0; n < 256; n += 128, q += 32)
            {
                for (int shift = 0; shift < 8; shift += 2, bit++)
                {
                    for (int half = 0; half < 32; half += 16)
                    {
                        float dl = d * scale[s++];
                        for (int l = 0; l < 16; l++)
                            *y++ = dl * (((q[half + l] >> shift) & 3) - 4 + (((hm[half + l] >> bit) & 1) << 2));
                    }
                }
            }
        }
    }

    /// <summary>6-bit scale and min <paramref name="j"/> (0..7) of a Q4_K/Q5_K block's 12 packed bytes (ggml's get_scale_min_k4).</summary>
    static void ScaleMinK4(int j, byte* q, out int scale, out int min)
    {
        if (j < 4) { scale = q[j] & 63; min = q[j + 4] & 63; }
        else
        {
            scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
            min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
        }
    }

    // block_q4_K (144 bytes): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles.
    // Sub-blocks of 32: x = (d·scale)·q - dmin·min; each 32 bytes hold two sub-blocks (low nibbles, then high).
    static void Q4_K(byte* x, float* y, int blocks, bool vectors)
    {
        for (int b = 0; b < blocks; b++, x += 144)
        {
            float d = Half(x), dmin = Half(x + 2);
            byte* scales = x + 4, q = x + 16;
            for (int j = 0; j < 8; j += 2, q += 32, y += 64)
            {
                ScaleMinK4(j, scales, out int sc1, out int m1i);
                ScaleMinK4(j + 1, scales, out int sc2, out int m2i);
                float d1 = d * sc1, m1 = dmin * m1i, d2 = d * sc2, m2 = dmin * m2i;
                if (vectors)
                {
                    Vector256<float> vd1 = Vector256.Create(d1), vm1 = Vector256.Create(m1), vd2 = Vector256.Create(d2), vm2 = Vector256.Create(m2);
                    var low = Vector256.Create(0xF);
                    for (int l = 0; l < 32; l += 8)
                    {
                        var v = Avx2.ConvertToVector256Int32(q + l);
                        (vd1 * Avx.ConvertToVector256Single(v & low) - vm1).Store(y + l);
                        (vd2 * Avx.ConvertToVector256Single(v >>> 4) - vm2).Store(y + 32 + l);
                    }
                    continue;
                }
                for (int l = 0; l < 32; l++) y[l] = d1 * (q[l] & 0xF) - m1;
                for (int l = 0; l < 32; l++) y[32 + l] = d2 * (q[l] >> 4) - m2;
            }
        }
    }

    // block_q5_K (176 bytes): fp16 d, fp16 dmin, 12 bytes of scales and mins, 32 bytes of fifth bits, 128 of nibbles.
    // As Q4_K, with the fifth bit of sub-block j (0..7) in bit j of qh[l] (added without a branch).
    static void Q5_K(byte* x, float* y, int blocks, bool vectors)
    {
        for (int b = 0; b < blocks; b++, x += 176)
        {
            float d = Half(x), dmin = Half(x + 2);
            byte* scales = x + 4, qh = x + 16, ql = x + 48;
            for (int j = 0; j < 8; j += 2, ql += 32, y += 64)
            {
                ScaleMinK4(j, scales, out int sc1, out int m1i);
                ScaleMinK4(j + 1, scales, out int sc2, out int m2i);
                float d1 = d * sc1, m1 = dmin * m1i, d2 = d * sc2, m2 = dmin * m2i;
                if (vectors)
                {
                    Vector256<float> vd1 = Vector256.Create(d1), vm1 = Vector256.Create(m1), vd2 = Vector256.Create(d2), vm2 = Vector256.Create(m2);
                    Vector256<int> low = Vector256.Create(0xF), one = Vector256.Create(1);
                    for (int l = 0; l < 32; l += 8)
                    {
                        var v = Avx2.ConvertToVector256Int32(ql + l);
                        var h = Avx2.ConvertToVector256Int32(qh + l);
                        (vd1 * Avx.ConvertToVector256Single((v & low) | (((h >>> j) & one) << 4)) - vm1).Store(y + l);
                        (vd2 * Avx.ConvertToVector256Single((v >>> 4) | (((h >>> (j + 1)) & one) << 4)) - vm2).Store(y + 32 + l);
                    }
                    continue;
                }
                for (int l = 0; l < 32; l++) y[l] = d1 * ((ql[l] & 0xF) + (((qh[l] >> j) & 1) << 4)) - m1;
                for (int l = 0; l < 32; l++) y[32 + l] = d2 * ((ql[l] >> 4) + (((qh[l] >> (j + 1)) & 1) << 4)) - m2;
            }
        }
    }

    // block_q6_K (210 bytes): 128 bytes of low nibbles, 64 bytes of high 2 bits, int8 scales[16], fp16 d.
    // Sub-blocks of 16: x = (d·scale)·(q - 32).
    static void Q6_K(byte* x, float* y, int blocks, bool vectors)
    {
        for (int b = 0; b < blocks; b++, x += 210)
        {
            byte* ql = x, qh = x + 128;
            var sc = (sbyte*)(x + 192);
            float d = Half(x + 208);
            for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8, y += 128)
            {
                if (vectors)
                {
                    Q6_KHalfBlock(ql, qh, sc, d, y);
                    continue;
                }
                for (int l = 0; l < 32; l++)
                {
                    int s = l / 16;
                    int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                    int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    y[l] = d * sc[s] * q1;
                    y[l + 32] = d * sc[s + 2] * q2;
                    y[l + 64] = d * sc[s + 4] * q3;
                    y[l + 96] = d * sc[s + 6] * q4;
                }
            }
        }
    }

    static void Q6_KHalfBlock(byte* ql, byte* qh, sbyte* sc, float d, float* y)
    {
        Vector256<int> low = Vector256.Create(0xF), two = Vector256.Create(3), bias = Vector256.Create(32);
        for (int l = 0; l < 32; l += 8)
        {
            int s = l / 16;
            var a = Avx2.ConvertToVector256Int32(ql + l);
            var c = Avx2.ConvertToVector256Int32(ql + 32 + l);
            var h = Avx2.ConvertToVector256Int32(qh + l);
            var q1 = ((a & low) | ((h & two) << 4)) - bias;
            var q2 = ((c & low) | (((h >>> 2) & two) << 4)) - bias;
            var q3 = ((a >>> 4) | (((h >>> 4) & two) << 4)) - bias;
            var q4 = ((c >>> 4) | ((h >>> 6) << 4)) - bias;
            (Vector256.Create(d * sc[s]) * Avx.ConvertToVector256Single(q1)).Store(y + l);
            (Vector256.Create(d * sc[s + 2]) * Avx.ConvertToVector256Single(q2)).Store(y + 32 + l);
            (Vector256.Create(d * sc[s + 4]) * Avx.ConvertToVector256Single(q3)).Store(y + 64 + l);
            (Vector256.Create(d * sc[s + 6]) * Avx.ConvertToVector256Single(q4)).Store(y + 96 + l);
        }
    }

    /// <summary>ggml's kvalues_iq4nl: the 16 non-uniform levels of IQ4_NL and IQ4_XS.</summary>
    static ReadOnlySpan<sbyte> Iq4Levels => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    // block_iq4_nl (18 bytes): fp16 d, 16 bytes of nibbles indexing the levels; x = d·level.
    static void IQ4_NL(byte* x, float* y, int blocks, bool vectors)
    {
        fixed (sbyte* levels = Iq4Levels)
        {
            for (int b = 0; b < blocks; b++, x += 18, y += 32)
            {
                float d = Half(x);
                byte* qs = x + 2;
                if (vectors) { Iq4Block(qs, d, levels, y); continue; }
                for (int j = 0; j < 16; j++)
                {
                    y[j] = d * levels[qs[j] & 0xF];
                    y[j + 16] = d * levels[qs[j] >> 4];
                }
            }
        }
    }

    // block_iq4_xs (136 bytes): fp16 d, uint16 scales_h (2 high bits per sub-block), 4 bytes scales_l (4 low bits
    // per sub-block), 128 bytes of nibbles. Sub-blocks of 32: x = (d·(scale - 32))·level.
    static void IQ4_XS(byte* x, float* y, int blocks, bool vectors)
    {
        fixed (sbyte* levels = Iq4Levels)
        {
            for (int b = 0; b < blocks; b++, x += 136)
            {
                float d = Half(x);
                int scalesH = x[2] | (x[3] << 8);
                byte* scalesL = x + 4, qs = x + 8;
                for (int ib = 0; ib < 8; ib++, qs += 16, y += 32)
                {
                    int ls = ((scalesL[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((scalesH >> (2 * ib)) & 3) << 4);
                    float dl = d * (ls - 32);
                    if (vectors) { Iq4Block(qs, dl, levels, y); continue; }
                    for (int j = 0; j < 16; j++)
                    {
                        y[j] = dl * levels[qs[j] & 0xF];
                        y[j + 16] = dl * levels[qs[j] >> 4];
                    }
                }
            }
        }
    }

    /// <summary>32 IQ4 values from 16 bytes of nibbles: the levels looked up 16 at a time (pshufb), times <paramref name="d"/>.</summary>
    static void Iq4Block(byte* qs, float d, sbyte* levels, float* y)
    {
        var table = Vector128.Load(levels);
        var q = Vector128.Load(qs);
        var lo = Ssse3.Shuffle(table, (q & Vector128.Create((byte)0xF)).AsSByte());
        var hi = Ssse3.Shuffle(table, (q >>> 4).AsSByte());
        var vd = Vector256.Create(d);
        (vd * Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(lo))).Store(y);
        (vd * Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(lo, 8)))).Store(y + 8);
        (vd * Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(hi))).Store(y + 16);
        (vd * Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(hi, 8)))).Store(y + 24);
    }
}
