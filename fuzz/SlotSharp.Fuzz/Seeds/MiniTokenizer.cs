using System.Text.Json;

namespace SlotSharp.Fuzz.Seeds;

/// <summary>
/// Shrinks a real byte-level BPE tokenizer.json (Qwen2.5's, 11 MB) to a small valid one: every non-model field
/// kept as is (normalizer, Split regex + ByteLevel pre-tokenizer, post-processor, decoder, added tokens), the vocab
/// cut to its first ids and the merges to those whose parts and result survive. Small enough to parse thousands
/// of times, yet it runs the same code paths as the real file.
/// </summary>
public static class MiniTokenizer
{
    public static byte[] Shrink(byte[] tokenizerJson, int keepIds)
    {
        using var doc = JsonDocument.Parse(tokenizerJson);
        var model = doc.RootElement.GetProperty("model");
        var vocab = model.GetProperty("vocab").EnumerateObject()
            .Where(p => p.Value.GetInt32() < keepIds).ToDictionary(p => p.Name, p => p.Value.GetInt32());
        using var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name != "model") { prop.WriteTo(w); continue; }
                w.WriteStartObject("model");
                foreach (var field in model.EnumerateObject())
                {
                    if (field.Name == "vocab")
                    {
                        w.WriteStartObject("vocab");
                        foreach (var (token, id) in vocab.OrderBy(kv => kv.Value)) w.WriteNumber(token, id);
                        w.WriteEndObject();
                    }
                    else if (field.Name == "merges")
                    {
                        w.WriteStartArray("merges");
                        foreach (var merge in field.Value.EnumerateArray().Where(m => Survives(m, vocab))) merge.WriteTo(w);
                        w.WriteEndArray();
                    }
                    else field.WriteTo(w);
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return output.ToArray();
    }

    /// <summary>A merge (["a","b"] or the older "a b") is kept when a, b and ab are all in the cut vocab.</summary>
    static bool Survives(JsonElement merge, Dictionary<string, int> vocab)
    {
        string[] parts = merge.ValueKind == JsonValueKind.Array
            ? [.. merge.EnumerateArray().Select(p => p.GetString()!)]
            : merge.GetString()!.Split(' ');
        return parts.Length == 2 && vocab.ContainsKey(parts[0]) && vocab.ContainsKey(parts[1]) && vocab.ContainsKey(parts[0] + parts[1]);
    }
}
