using System.Text.Json.Nodes;
using SlotSharp.Checkpoints;
using SlotSharp.Models;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Models;

/// <summary>
/// The untied-head path (tie_word_embeddings false, a separate lm_head.weight), checked against the tied golden:
/// stories260K rewritten with lm_head.weight = a copy of the embedding must give the golden logits. A second copy
/// with a different lm_head must not, so the test can fail when the separate head is ignored.
/// </summary>
public sealed class UntiedHeadTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-untied-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [SkippableFact]
    public void SeparateLmHeadIsReadAndUsed()
    {
        var golden = Golden.Load("stories260K");
        var p = golden.Prompts.Last();
        int[] ids = Golden.Ints(p["input_ids"]);
        var expected = Golden.Doubles(p["logits_last"]!["values"]);

        var same = WriteUntiedCopy(golden.ModelDir, Path.Combine(_dir, "same"), scaleHead: 1f);
        Golden.AssertClose(expected, LastLogits(same, ids), 1e-4, "untied copy, logits_last");

        var scaled = WriteUntiedCopy(golden.ModelDir, Path.Combine(_dir, "scaled"), scaleHead: 2f);
        var doubled = LastLogits(scaled, ids);
        Golden.AssertClose(expected.Select(v => 2 * v).ToArray(), doubled, 2e-4, "untied head x2, logits_last");
    }

    static float[] LastLogits(string folder, int[] ids)
    {
        using var ckpt = Checkpoint.Open(folder);
        Assert.False(ckpt.Config.TieWordEmbeddings);
        using var lm = CausalLM.Load(ckpt, new ComputeOptions(CPU, ScalarType.Float32));
        using var cache = lm.NewCache();
        using var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using var output = lm.Forward(input, cache);
        return TensorHost.Floats(output.Logits!);
    }

    static float[] ReadFloats(SafetensorsFile file, string name)
    {
        using var t = file.Read(name);
        return TensorHost.Floats(t);
    }

    /// <summary>Copies a tied float32 checkpoint, adding lm_head.weight = scale x embedding and tie_word_embeddings false.</summary>
    static string WriteUntiedCopy(string source, string target, float scaleHead)
    {
        Directory.CreateDirectory(target);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
        config["tie_word_embeddings"] = false;
        File.WriteAllText(Path.Combine(target, "config.json"), config.ToJsonString());

        using var file = SafetensorsFile.Open(Path.Combine(source, "model.safetensors"));
        var tensors = file.Tensors.Keys.OrderBy(k => k, StringComparer.Ordinal)
            .Select(name => (Name: name, Shape: file.Tensors[name].Shape, Data: ReadFloats(file, name))).ToList();
        var embed = tensors.Single(t => t.Name == "model.embed_tokens.weight");
        tensors.Add(("lm_head.weight", embed.Shape, embed.Data.Select(v => v * scaleHead).ToArray()));

        SafetensorsFile.WriteFloat32(Path.Combine(target, "model.safetensors"), tensors);
        return target;
    }
}
