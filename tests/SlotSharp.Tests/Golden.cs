using System.Text.Json.Nodes;

namespace SlotSharp.Tests;

/// <summary>Reader for ../shared/models/*/golden.json (schema slotsharp-golden/1, see shared/models/README.md).</summary>
public sealed class Golden
{
    public JsonObject Root { get; }
    public string ModelDir { get; }

    Golden(string modelDir, JsonObject root) { ModelDir = modelDir; Root = root; }

    public static Golden Load(string model)
    {
        // Required by name: a missing golden.json skips locally and fails under SLOTSHARP_REQUIRE_SHARED=1, like any
        // other shared asset (ModelsAndPrompts yields "(missing)" for it, so such a case lands here).
        var file = SharedAssets.Require("models", model, "golden.json");
        var dir = Path.GetDirectoryName(file)!;
        var root = (JsonObject)JsonNode.Parse(File.ReadAllText(file))!;
        Assert.Equal("slotsharp-golden/1", (string?)root["schema"]);
        return new Golden(dir, root);
    }

    public IEnumerable<JsonObject> Prompts => ((JsonArray)Root["prompts"]!).Cast<JsonObject>();

    public JsonObject Prompt(string name) => Prompts.Single(p => (string?)p["name"] == name);

    public static int[] Ints(JsonNode? n) => ((JsonArray)n!).Select(x => (int)x!).ToArray();

    /// <summary>Floats; JSON null (NaN in the reference) becomes NaN.</summary>
    public static double[] Doubles(JsonNode? n) => ((JsonArray)n!).Select(x => x is null ? double.NaN : (double)x).ToArray();

    public static IEnumerable<object[]> ModelsAndPrompts(params string[] models)
    {
        foreach (var m in models)
        {
            var path = SharedAssets.Root == null ? null : Path.Combine(SharedAssets.Root, "models", m, "golden.json");
            if (path == null || !File.Exists(path)) { yield return [m, "(missing)"]; continue; }
            var root = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
            foreach (var p in ((JsonArray)root["prompts"]!).Cast<JsonObject>()) yield return [m, (string)p["name"]!];
        }
    }

    /// <summary>
    /// The golden's logit of <paramref name="id"/> at a stored position (<c>logits_at</c> entry or the like), when it has
    /// one: all values (V ≤ 4096), the first 4096, or the top 16.
    /// </summary>
    public static double? LogitAt(JsonNode at, int id)
    {
        if (at["values"] is JsonArray all) return (double)all[id]!;
        if (at["first"] is JsonArray first && id < first.Count) return (double)first[id]!;
        int k = Array.IndexOf(Ints(at["topk_ids"]), id);
        return k >= 0 ? Doubles(at["topk_values"])[k] : null;
    }

    /// <summary>Every value within <paramref name="tol"/> of the golden; the message names the worst index.</summary>
    public static void AssertClose(double[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0; int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= tol, $"{what}: max |diff| {worst:g3} at index {at} exceeds {tol:g3}");
    }
}
