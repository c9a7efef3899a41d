using System.Runtime.InteropServices;
using SlotSharp.Gguf;
using SlotSharp.LlamaCpp;

namespace SlotSharp.Tests.Gguf;

/// <summary>
/// ggml's own C code as a test peer: libggml-base, the library llama.cpp runs on, as LLamaSharp.Backend.Cpu ships it
/// and LLamaSharp loads it (the same file, found among the process's mappings once llama.cpp is loaded). Its exports
/// quantize (ggml_quantize_chunk, the quantizer llama-quantize runs) and dequantize (the to_float of
/// ggml_get_type_traits, which ggml's CPU backend runs to read a quantized tensor as float32).
/// </summary>
/// <remarks>
/// ggml_type_traits at the llama.cpp LLamaSharp 0.30.0 bundles (ggml.h): const char* type_name; int64 blck_size;
/// int64 blck_size_interleave; size_t type_size; bool is_quantized; ggml_to_float_t to_float; ggml_from_float_t
/// from_float_ref. The layout is checked on every use: type_name, blck_size and type_size must equal what
/// ggml_type_name, ggml_blck_size and ggml_type_size say, and Q8_0's to_float must be the exported dequantize_row_q8_0.
/// </remarks>
internal static unsafe class GgmlPeer
{
    [StructLayout(LayoutKind.Sequential)]
    public struct TypeTraits
    {
        public nint TypeName;
        public long BlockSize;
        public long BlockSizeInterleave;
        public nuint TypeSize;
        public byte IsQuantized;
        public nint ToFloat;
        public nint FromFloatRef;
    }

    static readonly delegate* unmanaged<int, TypeTraits*> GetTypeTraits;
    static readonly delegate* unmanaged<int, float*, void*, long, long, long, float*, nuint> QuantizeChunkFn;
    static readonly delegate* unmanaged<int, void> QuantizeInit;
    static readonly delegate* unmanaged<int, byte> RequiresImatrixFn;
    static readonly delegate* unmanaged<int, long, nuint> RowSizeFn;
    static readonly delegate* unmanaged<int, long> BlockSizeFn;
    static readonly delegate* unmanaged<int, nuint> TypeSizeFn;
    static readonly delegate* unmanaged<int, sbyte*> TypeNameFn;

    /// <summary>Why the peer cannot run here (the skip reason), or null when it is loaded.</summary>
    public static readonly string? Unavailable;

    /// <summary>The libggml-base file the exports come from.</summary>
    public static readonly string? LibraryPath;

    static GgmlPeer()
    {
        try
        {
            LlamaCppRuntime.EnsureLoaded();
        }
        catch (Exception e) // LLamaSharp says "no native library" in several exception types
        {
            Unavailable = $"needs llama.cpp's native libraries (LLamaSharp.Backend.Cpu), which did not load: {e.GetBaseException().Message}";
            return;
        }
        var handle = LoadedGgmlBase(out LibraryPath);
        if (handle == 0)
        {
            Unavailable = "needs libggml-base from LLamaSharp.Backend.Cpu, which llama.cpp loaded but this process could not find";
            return;
        }
        nint Export(string name) => NativeLibrary.TryGetExport(handle, name, out var f) ? f : 0;
        string[] names = ["ggml_get_type_traits", "ggml_quantize_chunk", "ggml_quantize_init", "ggml_quantize_requires_imatrix",
                          "ggml_row_size", "ggml_blck_size", "ggml_type_size", "ggml_type_name"];
        var missing = names.Where(n => Export(n) == 0).ToList();
        if (missing.Count > 0)
        {
            Unavailable = $"{LibraryPath} lacks {string.Join(", ", missing)}";
            return;
        }
        GetTypeTraits = (delegate* unmanaged<int, TypeTraits*>)Export("ggml_get_type_traits");
        QuantizeChunkFn = (delegate* unmanaged<int, float*, void*, long, long, long, float*, nuint>)Export("ggml_quantize_chunk");
        QuantizeInit = (delegate* unmanaged<int, void>)Export("ggml_quantize_init");
        RequiresImatrixFn = (delegate* unmanaged<int, byte>)Export("ggml_quantize_requires_imatrix");
        RowSizeFn = (delegate* unmanaged<int, long, nuint>)Export("ggml_row_size");
        BlockSizeFn = (delegate* unmanaged<int, long>)Export("ggml_blck_size");
        TypeSizeFn = (delegate* unmanaged<int, nuint>)Export("ggml_type_size");
        TypeNameFn = (delegate* unmanaged<int, sbyte*>)Export("ggml_type_name");
        // The struct layout, against the exports that say the same things one field at a time.
        var q8 = Traits(GgmlType.Q8_0);
        if (q8->ToFloat != Export("dequantize_row_q8_0") || q8->BlockSize != 32 || q8->TypeSize != 34)
            Unavailable = $"{LibraryPath}: ggml_type_traits does not have the layout these tests read";
    }

    /// <summary>The handle of the libggml-base llama.cpp runs on: the file mapped into this process (Linux), else by name.</summary>
    static nint LoadedGgmlBase(out string? path)
    {
        path = null;
        if (File.Exists("/proc/self/maps"))
        {
            path = File.ReadLines("/proc/self/maps")
                .Select(l => l.IndexOf('/', StringComparison.Ordinal) is var i and >= 0 ? l[i..] : null)
                .FirstOrDefault(p => p != null && Path.GetFileName(p).StartsWith("libggml-base.", StringComparison.Ordinal));
            // Loading the mapped file again returns the handle it is already loaded under.
            if (path != null && NativeLibrary.TryLoad(path, out var h)) return h;
        }
        foreach (var name in new[] { "libggml-base.so", "libggml-base.dylib", "ggml-base.dll" })
        {
            if (NativeLibrary.TryLoad(name, out var h)) { path = name; return h; }
        }
        return 0;
    }

    /// <summary>Skips the test (with the reason) where libggml-base cannot be used.</summary>
    public static void Require() => Skip.If(Unavailable != null, Unavailable);

    /// <summary>
    /// As <see cref="Require"/>, and skips where ggml's to_float of <paramref name="type"/> is not the C reference's
    /// arithmetic: LLamaSharp's arm64 builds of libggml-base (linux-arm64, osx-arm64) contract the d·q - m of the types
    /// with a min (Q4_1, Q5_1, Q2_K, Q4_K, Q5_K) into one fused multiply-add (fmla/fmsub in their dequantize_row_*,
    /// by disassembly), which rounds once where the reference rounds twice. Its x64 builds (noavx to avx512, glibc,
    /// musl and macOS) have no fused instruction there, and the decoders follow the reference.
    /// </summary>
    public static void RequireReferenceArithmetic(GgmlType type)
    {
        Require();
        Skip.If(RuntimeInformation.ProcessArchitecture != Architecture.X64 && type is GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q2_K or GgmlType.Q4_K or GgmlType.Q5_K,
            $"ggml's {RuntimeInformation.ProcessArchitecture} build fuses {type}'s d*q - m into one multiply-add; compared bit for bit on x64");
    }

    public static TypeTraits* Traits(GgmlType type) => GetTypeTraits((int)type);

    public static string TypeName(GgmlType type) => Marshal.PtrToStringUTF8((nint)TypeNameFn((int)type))!;
    public static long BlockSize(GgmlType type) => BlockSizeFn((int)type);
    public static long TypeSize(GgmlType type) => (long)TypeSizeFn((int)type);
    public static long RowSize(GgmlType type, long width) => (long)RowSizeFn((int)type, width);
    public static bool RequiresImatrix(GgmlType type) => RequiresImatrixFn((int)type) != 0;

    /// <summary>ggml_quantize_chunk over <paramref name="rows"/> rows of <paramref name="source"/>, no importance matrix.</summary>
    public static byte[] Quantize(GgmlType type, float[] source, int rows, int width)
    {
        QuantizeInit((int)type);
        var bytes = new byte[RowSize(type, width) * rows];
        nuint written;
        fixed (float* src = source)
        fixed (byte* dst = bytes)
            written = QuantizeChunkFn((int)type, src, dst, 0, rows, width, null);
        if ((long)written != bytes.Length) throw new InvalidOperationException($"ggml_quantize_chunk wrote {written} bytes, not {bytes.Length}");
        return bytes;
    }

    /// <summary>ggml's to_float of <paramref name="type"/> over <paramref name="count"/> values stored in <paramref name="stored"/>.</summary>
    public static float[] Dequantize(GgmlType type, byte[] stored, long count)
    {
        var toFloat = (delegate* unmanaged<void*, float*, long, void>)Traits(type)->ToFloat;
        if (toFloat == null) throw new InvalidOperationException($"ggml has no to_float for {type}");
        var output = new float[count];
        fixed (byte* src = stored)
        fixed (float* dst = output)
            toFloat(src, dst, count);
        return output;
    }
}
