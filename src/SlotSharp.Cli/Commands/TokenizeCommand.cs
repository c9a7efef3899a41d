using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using SlotSharp.Tokenization;

namespace SlotSharp.Cli.Commands;

/// <summary>`slot tokenize --model DIR --text TEXT [--json] [--no-special]`: ids and token strings of a text.</summary>
public static class TokenizeCommand
{
    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder with tokenizer.json (and tokenizer_config.json)", Required = true };
        var text = new Option<string>("--text") { Description = "Text to encode", Required = true };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\":[..],\"tokens\":[..]}" };
        var noSpecial = new Option<bool>("--no-special") { Description = "Do not add special tokens (e.g. Llama-3's BOS)" };
        // TODO(chat): --chat/--system render the model's chat template first (needs the Chat/ Jinja renderer):
        //   text = ChatTemplate.Render(config.ChatTemplate, messages, addGenerationPrompt: true), then encode with
        //   addSpecialTokens: false (the template already holds BOS; see shared/tokenizers/README.md).
        var cmd = new Command("tokenize", "Encode text with a Hugging Face tokenizer.json and print ids and tokens");
        cmd.Options.Add(model);
        cmd.Options.Add(text);
        cmd.Options.Add(json);
        cmd.Options.Add(noSpecial);
        cmd.SetAction(parse =>
        {
            var tokenizer = TokenizerLoader.FromModelFolder(parse.GetValue(model)!);
            var ids = tokenizer.Encode(parse.GetValue(text)!, addSpecialTokens: !parse.GetValue(noSpecial));
            Console.Write(Format(tokenizer, ids, parse.GetValue(json)));
            return 0;
        });
        return cmd;
    }

    /// <summary>JSON object, or one "id&lt;TAB&gt;"token"" line per token after a count line.</summary>
    public static string Format(ITokenizer tokenizer, int[] ids, bool json)
    {
        var tokens = ids.Select(id => tokenizer.IdToToken(id) ?? "").ToArray();
        if (json) return JsonSerializer.Serialize(new { ids, tokens }, Json) + "\n";
        var sb = new System.Text.StringBuilder($"{ids.Length} tokens\n");
        for (int i = 0; i < ids.Length; i++) sb.Append(ids[i]).Append('\t').Append(JsonSerializer.Serialize(tokens[i], Json)).Append('\n');
        return sb.ToString();
    }
}
