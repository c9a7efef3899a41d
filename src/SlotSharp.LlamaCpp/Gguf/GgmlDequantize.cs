namespace SlotSharp.Gguf;

/// <summary>
/// ggml block formats decoded to float32, following ggml-quants.c's reference dequantize_row_* functions.
/// Only the types SLOT needs to read an output weight from are here: F32, F16, BF16, Q8_0, Q4_K, Q6_K.
/// </summary>
internal static unsafe class GgmlDequantize
{
    public static void ToFloat32(GgmlType type, byte* src, long byteLength, Span<float> output, string what)
    {
        switch (type)
        {
            case GgmlType.F32: new ReadOnlySpan<float>(src, output.Length).CopyTo(output); break;
            case GgmlType.F16: for (int i = 0; i < output.Length; i++) output[i] = (float)((Half*)src)[i]; break;
            case GgmlType.BF16: for (int i = 0; i < output.Length; i++) output[i] = BFloat16(((ushort*)src)[i]); break;
            case GgmlType.Q8_0: Blocks(src, output, 32, 34, Q8_0); break;
            case GgmlType.Q4_K: Blocks(src, output, 256, 144, Q4_K); break;
            case GgmlType.Q6_K: Blocks(src, output, 256, 210, Q6_K); break;
            default: throw new SlotSharpException($"{what} has type {type}, which SlotSharp cannot read (F32, F16, BF16, Q8_0, Q4_K and Q6_K can)");
        }
    }

    public static float BFloat16(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    delegate void BlockDecoder(byte* block, Span<float> y);

    static void Blocks(byte* src, Span<float> output, int elements, int bytes, BlockDecoder decode)
    {
        for (int b = 0; b < output.Length / elements; b++) decode(src + (long)b * bytes, output.Slice(b * elements, elements));
    }

    static float Half16(byte* p) => (float)*(Half*)p;

    // block_q8_0: fp16 d, int8 qs[32]; x = d * q.
    static void Q8_0(byte* block, Span<float> y)
    {
        float d = Half16(block);
        var qs = (sbyte*)(block + 2);
        for (int i = 0; i < 32; i++) y[i] = d * qs[i];
    }

    // block_q4_K: fp16 d, fp16 dmin, 12 bytes of packed 6-bit scales and mins, 128 bytes of 4-bit quants.
    static void Q4_K(byte* block, Span<float> y)
    {
        float d = Half16(block), dmin = Half16(block + 2);
        byte* scales = block + 4, q = block + 16;
        for (int j = 0, sub = 0; j < 256; j += 64, sub += 2, q += 32)
        {
            ScaleMinK4(sub, scales, out int sc1, out int m1);
            ScaleMinK4(sub + 1, scales, out int sc2, out int m2);
            for (int l = 0; l < 32; l++) y[j + l] = d * sc1 * (q[l] & 0xF) - dmin * m1;
            for (int l = 0; l < 32; l++) y[j + 32 + l] = d * sc2 * (q[l] >> 4) - dmin * m2;
        }
    }

    static void ScaleMinK4(int j, byte* q, out int scale, out int min)
    {
        if (j < 4) { scale = q[j] & 63; min = q[j + 4] & 63; }
        else
        {
            scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
            min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
        }
    }

    // block_q6_K: 128 bytes low 4 bits, 64 bytes high 2 bits, int8 scales[16], fp16 d.
    static void Q6_K(byte* block, Span<float> y)
    {
        byte* ql = block, qh = block + 128;
        var sc = (sbyte*)(block + 192);
        float d = Half16(block + 208);
        for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8)
        {
            for (int l = 0; l < 32; l++)
            {
                int s = l / 16;
                int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[n + l] = d * sc[s] * q1;
                y[n + l + 32] = d * sc[s + 2] * q2;
                y[n + l + 64] = d * sc[s + 4] * q3;
                y[n + l + 96] = d * sc[s + 6] * q4;
            }
        }
    }
}
