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
        var dir = SharedAssets.Require("models", model);
        var root = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "golden.json")))!;
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
}
