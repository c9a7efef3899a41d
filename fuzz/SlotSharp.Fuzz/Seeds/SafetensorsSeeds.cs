using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using SlotSharp.Checkpoints;
using SlotSharp.Fuzz.Mutation;

namespace SlotSharp.Fuzz.Seeds;

/// <summary>
/// Tiny valid safetensors files built in memory (a few bytes of tensor data, several dtypes, metadata), and a
/// generator that mutates their JSON header while keeping the 8-byte length prefix consistent, so mutations
/// reach the header validation instead of stopping at the length check.
/// </summary>
public static class SafetensorsSeeds
{
    public static byte[] Build(IReadOnlyList<(string Name, string DType, long[] Shape)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata != null) header["__metadata__"] = new JsonObject([.. metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);
        long offset = 0;
        foreach (var (name, dtype, shape) in tensors)
        {
            long bytes = shape.Aggregate(1L, (a, b) => a * b) * SafetensorsFile.DTypeSizes[dtype];
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        // A byte pattern, not zeros, so that reads of the wrong range give different values.
        var data = Enumerable.Range(0, (int)offset).Select(i => (byte)(i * 37 + 11)).ToArray();
        return Assemble(Encoding.UTF8.GetBytes(header.ToJsonString()), data);
    }

    public static byte[] Assemble(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>The default seeds: several dtypes and shapes (scalar, empty, 2-D) with metadata, and a one-tensor file.</summary>
    public static IReadOnlyList<byte[]> Default() =>
    [
        Build([("embed.weight", "F32", [2, 3]), ("norm.weight", "BF16", [4]), ("ids", "I64", [1]), ("empty", "F16", [0, 2]),
               ("scalar", "F32", []), ("mask", "BOOL", [3])], new Dictionary<string, string> { ["format"] = "pt" }),
        Build([("w", "F32", [4])]),
    ];

    /// <summary>JSON-aware edits of the header of one of the seeds, re-framed with the right length.</summary>
    public static Gen<byte[]> HeaderMutations(IReadOnlyList<byte[]> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], JsonMutations.Edits(4), (s, edits) =>
        {
            var file = seeds[s];
            int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
            var header = file.AsSpan(8, headerLength).ToArray();
            return Assemble(JsonMutations.Apply(header, edits), file[(8 + headerLength)..]);
        });
}
