using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Tokenization;

/// <summary>Readers for the shared tokenizer goldens (see ../shared/tokenizers/README.md).</summary>
static class GoldenFiles
{
    public sealed record EncodeCase(string Text, int[] Ids, int[] IdsNoSpecial, string Decoded, string DecodedNoCleanup, string DecodedSkipSpecial);

    public static List<EncodeCase> Encode(string model)
    {
        var path = SharedAssets.Require("tokenizers", model, "golden_encode.json");
        return JsonNode.Parse(File.ReadAllText(path))!.AsArray().Select(n => new EncodeCase(
            n!["text"]!.GetValue<string>(), Ints(n["ids"]!), Ints(n["ids_no_special"]!), n["decoded"]!.GetValue<string>(),
            n["decoded_no_cleanup"]!.GetValue<string>(), n["decoded_skip_special"]!.GetValue<string>())).ToList();
    }

    /// <summary>llama.cpp's .inp (texts separated by "\n__ggml_vocab_test__\n") and .out (one id line per text).</summary>
    public static List<(string Text, int[] Ids)> LlamaCppVectors(string model)
    {
        var inp = File.ReadAllText(SharedAssets.Require("tokenizers", model, "llamacpp_vectors.inp")).Split("\n__ggml_vocab_test__\n");
        var outp = File.ReadAllLines(SharedAssets.Require("tokenizers", model, "llamacpp_vectors.out"));
        return outp.Select((line, i) => (inp[i], line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())).ToList();
    }

    public static int[] Ints(JsonNode node) => node.AsArray().Select(x => x!.GetValue<int>()).ToArray();

    public static string Show(IEnumerable<int> ids) => "[" + string.Join(",", ids) + "]";
}
