using System.Text;
using System.Text.Json.Nodes;
using SlotSharp.Checkpoints;
using SlotSharp.Runtime;

namespace SlotSharp.Tests.Checkpoints;

/// <summary>A copy of a shared model folder (a float32 single-file checkpoint) that a test may break on purpose.</summary>
internal static class CheckpointCopy
{
    public static string Of(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(source)) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    /// <summary>Rewrites one JSON file of the folder (config.json, generation_config.json).</summary>
    public static void EditJson(string folder, string file, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, file);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>Rewrites model.safetensors with SafetensorsFile's writer, letting <paramref name="edit"/> change each tensor's values.</summary>
    public static void EditWeights(string folder, Action<string, float[]> edit)
    {
        var path = Path.Combine(folder, "model.safetensors");
        List<(string Name, long[] Shape, float[] Data)> tensors;
        using (var file = SafetensorsFile.Open(path))
            tensors = [.. file.Tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).Select(name => (name, file.Tensors[name].Shape, Floats(file, name)))];
        foreach (var (name, _, data) in tensors) edit(name, data);
        SafetensorsFile.WriteFloat32(path, tensors);
    }

    /// <summary>Rewrites model.safetensors as float32 with the tensors <paramref name="change"/> returns (drop, add or reshape some).</summary>
    public static void RewriteTensors(string folder,
        Func<List<(string Name, long[] Shape, float[] Data)>, IEnumerable<(string Name, long[] Shape, float[] Data)>> change)
    {
        var path = Path.Combine(folder, "model.safetensors");
        List<(string Name, long[] Shape, float[] Data)> tensors;
        using (var file = SafetensorsFile.Open(path))
            tensors = [.. file.Tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).Select(name => (name, file.Tensors[name].Shape, Floats(file, name)))];
        SafetensorsFile.WriteFloat32(path, [.. change(tensors)]);
    }

    /// <summary>Changes one tensor's declared dtype in the header (same length, e.g. F32 to I32), leaving its bytes alone.</summary>
    public static void RelabelDType(string folder, string tensor, string dtype)
    {
        var path = Path.Combine(folder, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        var from = Encoding.UTF8.GetBytes($"\"{tensor}\":{{\"dtype\":\"F32\"");
        var to = Encoding.UTF8.GetBytes($"\"{tensor}\":{{\"dtype\":\"{dtype}\"");
        Assert.Equal(from.Length, to.Length);
        int at = bytes.AsSpan().IndexOf(from);
        Assert.True(at > 0, $"tensor '{tensor}' not found as F32 in {path}");
        to.CopyTo(bytes, at);
        File.WriteAllBytes(path, bytes);
    }

    static float[] Floats(SafetensorsFile file, string name)
    {
        using var t = file.Read(name);
        return TensorHost.Floats(t);
    }
}
