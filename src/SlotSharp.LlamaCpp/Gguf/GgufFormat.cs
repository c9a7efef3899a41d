namespace SlotSharp.Gguf;

/// <summary>Type tags of GGUF metadata values (gguf.md in the llama.cpp repository).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
    String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
}

/// <summary>ggml tensor types this project reads or writes (numbering from ggml.h).</summary>
public enum GgmlType : uint
{
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15, IQ4_NL = 20, IQ4_XS = 23, BF16 = 30,
}

internal static class GgufFormat
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;
    public const uint Version = 3;
    /// <summary>Data alignment when general.alignment is absent.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>Elements per block and bytes per block of a ggml type.</summary>
    public static (int BlockElements, int BlockBytes) Block(GgmlType type) => type switch
    {
        GgmlType.F32 => (1, 4),
        GgmlType.F16 or GgmlType.BF16 => (1, 2),
        GgmlType.Q4_0 => (32, 18),
        GgmlType.Q4_1 => (32, 20),
        GgmlType.Q5_0 => (32, 22),
        GgmlType.Q5_1 => (32, 24),
        GgmlType.Q8_0 => (32, 34),
        GgmlType.Q8_1 => (32, 36),
        GgmlType.Q2_K => (256, 84),
        GgmlType.Q3_K => (256, 110),
        GgmlType.Q4_K => (256, 144),
        GgmlType.Q5_K => (256, 176),
        GgmlType.Q6_K => (256, 210),
        GgmlType.Q8_K => (256, 292),
        GgmlType.IQ4_NL => (32, 18),
        GgmlType.IQ4_XS => (256, 136),
        _ => throw new SlotSharpException($"ggml tensor type {(uint)type} is not supported"),
    };

    public static bool IsKnown(GgmlType type) => Enum.IsDefined(type);

    /// <summary>Bytes of a row-major tensor of this type (the innermost dimension must be whole blocks).</summary>
    public static long ByteSize(GgmlType type, long elements)
    {
        var (be, bb) = Block(type);
        return checked(elements / be * bb);
    }

    public static long AlignUp(long offset, int alignment) => checked((offset + alignment - 1) / alignment * alignment);
}
