using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

namespace SlotSharp.Fuzz.Mutation;

/// <summary>What a JSON-aware edit does to the node it picks.</summary>
public enum JsonEditKind { Replace, Remove, RenameKey }

/// <summary>One JSON-aware edit: the node is picked by <see cref="Pick"/> modulo the document's node count (pre-order).</summary>
public sealed record JsonEdit(JsonEditKind Kind, uint Pick, string Payload);

/// <summary>
/// Structure-aware mutations of JSON seeds: replace a value (any node, containers included) with an extreme or
/// wrongly typed raw value, remove a node, rename a key. Raw texts such as 1e400 or 100,000 nested arrays cannot
/// be held by a JsonNode, so the edit plants a marker string and the serialized text gets the raw value spliced in.
/// </summary>
public static class JsonMutations
{
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Gen<JsonEdit[]> Edits(int maxEdits) => Gen.Frequency(
            (6, Gen.Select(Gen.UInt, JsonValues.Any, (p, raw) => new JsonEdit(JsonEditKind.Replace, p, raw))),
            (2, Gen.UInt.Select(p => new JsonEdit(JsonEditKind.Remove, p, ""))),
            (1, Gen.Select(Gen.UInt, JsonValues.Key, (p, key) => new JsonEdit(JsonEditKind.RenameKey, p, key))))
        .Array[1, maxEdits];

    /// <summary>Edits applied to one of the seeds (each a JSON document).</summary>
    public static Gen<byte[]> Mutate(IReadOnlyList<byte[]> seeds, int maxEdits = 4) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Edits(maxEdits), (s, edits) => Apply(seeds[s], edits));

    /// <summary>Edits applied to one line of one of the seeds (each JSON Lines).</summary>
    public static Gen<byte[]> MutateLines(IReadOnlyList<byte[]> seeds, int maxEdits = 4) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.UInt, Edits(maxEdits), (s, line, edits) =>
        {
            var lines = Encoding.UTF8.GetString(seeds[s]).Split('\n');
            int at = (int)(line % (uint)lines.Length);
            lines[at] = Encoding.UTF8.GetString(Apply(Encoding.UTF8.GetBytes(lines[at]), edits));
            return Encoding.UTF8.GetBytes(string.Join('\n', lines));
        });

    /// <summary>Applies the edits; a document that does not parse (e.g. an empty line) is returned unchanged.</summary>
    public static byte[] Apply(byte[] json, IReadOnlyList<JsonEdit> edits)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException) { return json; }
        var raws = new List<string>();
        foreach (var edit in edits)
        {
            var nodes = Nodes(root);
            var (parent, key, index) = nodes[(int)(edit.Pick % (uint)nodes.Count)];
            switch (edit.Kind)
            {
                case JsonEditKind.Replace:
                    var marker = JsonValue.Create(Marker(raws.Count));
                    raws.Add(edit.Payload);
                    if (parent is null) root = marker;
                    else if (parent is JsonObject o) o[key!] = marker;
                    else ((JsonArray)parent)[index] = marker;
                    break;
                case JsonEditKind.Remove when parent is JsonObject o:
                    o.Remove(key!);
                    break;
                case JsonEditKind.Remove when parent is JsonArray a:
                    a.RemoveAt(index);
                    break;
                case JsonEditKind.RenameKey when parent is JsonObject o && !o.ContainsKey(edit.Payload):
                    var value = o[key!];
                    o.Remove(key!);
                    o[edit.Payload] = value;
                    break;
            }
        }
        var text = root is null ? "null" : root.ToJsonString(Relaxed);
        for (int i = 0; i < raws.Count; i++) text = text.Replace($"\"{Marker(i)}\"", raws[i]);
        return Encoding.UTF8.GetBytes(text);
    }

    static string Marker(int i) => $"@@fuzz{i}@@";

    /// <summary>Every node in pre-order as (parent, key in an object, index in an array); the root has no parent.</summary>
    static List<(JsonNode? Parent, string? Key, int Index)> Nodes(JsonNode? root)
    {
        var list = new List<(JsonNode?, string?, int)> { (null, null, -1) };
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (k, v) in o) { list.Add((o, k, -1)); Walk(v); }
                    break;
                case JsonArray a:
                    for (int i = 0; i < a.Count; i++) { list.Add((a, null, i)); Walk(a[i]); }
                    break;
            }
        }
        Walk(root);
        return list;
    }
}
