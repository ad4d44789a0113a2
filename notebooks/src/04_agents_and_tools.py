# %% [markdown]
# # 04 · Agents and tools
#
# Tool calling is what turns a chat model into an agent: the model asks for a function call, your code runs it,
# and the model answers from the result. This notebook runs that loop by hand in LangChain (no LangGraph needed),
# streams tool calls, and then lets LlamaIndex's `FunctionAgent` drive the same tools.
#
# On the emulator the model is deterministic: it calls the tool whose name the user mentions (or whose
# description shares the most words with the question) and, after a tool result, answers by quoting it.
# It fills the arguments mechanically to fit the tool's JSON schema, so they are valid but not always what the
# question says (a weight it cannot find in the prompt gets a placeholder number). A real model reads them from
# the question. Read the printed `args` as "what was sent", not as a test of understanding.

# %% [setup]

# %% [markdown]
# ## Two tools

# %%
def check_stock(product: str) -> str:
    """Check how many units of a Northwind product are in stock at each store."""
    stock = {"boreal": "Boreal 2 tent: 14 in Duluth, 3 in Denver", "summit": "Summit 40 backpack: 8 in Duluth"}
    return next((v for k, v in stock.items() if k in product.lower()), f"No product called {product!r}.")


def shipping_quote(weight_kg: float, express: bool = False) -> str:
    """Quote the shipping price of a parcel by weight in kilograms, standard or express."""
    price = (15.0 if express else 5.0) + 1.5 * weight_kg
    return f"{'express' if express else 'standard'} shipping for {weight_kg} kg costs {price:.2f} dollars"

# %% [markdown]
# ## LangChain: `bind_tools` and a hand-written agent loop

# %%
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool

from langchain_azure_inference import ChatAzureInference

lc_tools = {t.name: t for t in (tool(check_stock), tool(shipping_quote))}
llm = ChatAzureInference(deployment=backend.profile, temperature=0)
agent_llm = llm.bind_tools(list(lc_tools.values()))

messages = [
    SystemMessage("You help Northwind store staff. Use the tools for stock and shipping questions."),
    HumanMessage("Is the Boreal 2 tent in stock? Please use check_stock."),
]
for turn in range(4):
    reply = agent_llm.invoke(messages)
    messages.append(reply)
    if not reply.tool_calls:
        break
    for call in reply.tool_calls:
        result = lc_tools[call["name"]].invoke(call)  # a ToolCall in, a ToolMessage out
        print(f"turn {turn + 1}: {call['name']}({call['args']}) -> {result.content}")
        messages.append(result)
print("answer:", reply.content)

# %% [markdown]
# ## Forcing a tool, and streaming tool calls
#
# `tool_choice="any"` (sent as `required`) forces a call; a named tool forces that one. While streaming, the
# call arrives as `tool_call_chunks` (with an `index`) that add up to complete `tool_calls`. The point here is
# the shape: the argument fragments join into one valid JSON object; which `weight_kg` the emulator put in it
# depends on how it fills arguments (see the top of this notebook).

# %%
forced = llm.bind_tools(list(lc_tools.values()), tool_choice="shipping_quote")
total = None
for chunk in forced.stream("How much to send a 2 kg parcel?"):
    if chunk.tool_call_chunks:
        print("chunk:", chunk.tool_call_chunks)
    total = chunk if total is None else total + chunk
print("assembled:", total.tool_calls)

# %% [markdown]
# ## Scripted mode: parallel tool calls, exactly as you script them
#
# The emulator's control API can queue exact replies. Here the "model" asks for two tools at once, then
# answers; this is how the project's tests exercise multi-tool turns without a real model.
# (Skipped against a real deployment, where the model decides.)

# %%
if emu is not None:
    emu.control.queue_chat(
        tool_calls=[
            {"name": "check_stock", "arguments": {"product": "Summit 40"}},
            {"name": "shipping_quote", "arguments": {"weight_kg": 1.4, "express": True}},
        ]
    )
    emu.control.queue_chat("The Summit 40 is in stock (8 in Duluth); express shipping costs 17.10 dollars.")
messages = [HumanMessage("Is the Summit 40 backpack in stock, and what does express shipping cost for 1.4 kg?")]
reply = agent_llm.invoke(messages)
print("tool calls:", [(c["name"], c["args"]) for c in reply.tool_calls])
messages += [reply, *(lc_tools[c["name"]].invoke(c) for c in reply.tool_calls)]
print("answer:", agent_llm.invoke(messages).content)

# %% [markdown]
# ## LlamaIndex: `predict_and_call` and a `FunctionAgent`
#
# The same Python functions become LlamaIndex `FunctionTool`s. `predict_and_call` does one call-and-run;
# `FunctionAgent` (a workflow) loops until the model answers. Jupyter runs the `await` at top level.

# %%
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.tools import FunctionTool

from llamaindex_azure_inference import AzureInference

li_llm = AzureInference(deployment=backend.profile, temperature=0)
li_tools = [FunctionTool.from_defaults(fn=check_stock), FunctionTool.from_defaults(fn=shipping_quote)]

print(li_llm.predict_and_call(li_tools, "Use check_stock: is the Boreal 2 tent available?"))

agent = FunctionAgent(tools=li_tools, llm=li_llm, system_prompt="You help Northwind store staff.")
result = await agent.run("Can you check_stock for the Summit 40 backpack?")
print("agent:", result)
print("tools it called:", [(c.tool_name, c.tool_kwargs) for c in result.tool_calls])

# %% [markdown]
# ## Structured output
#
# A pydantic model as the answer: LangChain's `with_structured_output` and LlamaIndex's `structured_predict`
# use the model's native JSON-schema mode where it has one, and function calling otherwise.

# %%
from typing import Literal

from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel, Field


class ReturnRequest(BaseModel):
    """A customer's return request, extracted from their email."""

    customer: str = Field(description="The customer's full name.")
    product: Literal["Boreal 2 tent", "Summit 40 backpack", "Aurora sleeping bag"]
    reason: Literal["defect", "wrong size", "changed mind"]
    wants_refund: bool


email = "Hello, my name is Maria Lopez. The zipper of my Boreal 2 tent broke; I want my money back."
print("LangChain: ", llm.with_structured_output(ReturnRequest).invoke(f"Extract the return request:\n{email}"))
print("LlamaIndex:", li_llm.structured_predict(ReturnRequest, PromptTemplate("Extract the return request:\n{email}"), email=email))

# %% [markdown]
# ## The same agent on chat completions and on the Responses API
#
# On `/openai/v1` Azure also offers the Responses API (`POST /responses`): function calls come back as output
# items and reasoning models can return a summary of their reasoning. Which API the adapters speak is one
# profile field, `api = "chat"` (the default) or `api = "responses"`. Below, the two deployments differ only in
# that field; the agent code (LangChain's `create_agent` with the two tools) is the same.

# %%
from langchain.agents import create_agent

from azure_inference import Deployment

on_chat = Deployment.from_profile(backend.profile, model="o4-mini")  # a reasoning model
on_responses = Deployment.from_profile(backend.profile, model="o4-mini", api="responses")  # the one change

for deployment in (on_chat, on_responses):
    agent = create_agent(
        ChatAzureInference(deployment=deployment),
        tools=list(lc_tools.values()),
        system_prompt="You help Northwind store staff. Use the tools for stock and shipping questions.",
    )
    state = agent.invoke({"messages": [HumanMessage("Is the Boreal 2 tent in stock? Please use check_stock.")]})
    called = [c["name"] for m in state["messages"] for c in getattr(m, "tool_calls", [])]
    print(f"api={deployment.api}: tools called {called}; answer: {state['messages'][-1].text}")

# %% [markdown]
# The reasoning summary is a Responses API feature: ask for it with `reasoning={"summary": "auto"}` and it comes
# back as a `reasoning` content block before the text (LlamaIndex: a `ThinkingBlock`). Usage counts the reasoning
# tokens.

# %%
thinker = ChatAzureInference(deployment=on_responses, reasoning={"effort": "low", "summary": "auto"})
answer = thinker.invoke("Which is lighter to ship, the Boreal 2 tent or the Summit 40 backpack?")
for block in answer.content:
    if isinstance(block, dict) and block["type"] == "reasoning":
        print("reasoning summary:", block["reasoning"])
print("answer:", answer.text)
print("reasoning tokens:", (answer.usage_metadata or {}).get("output_token_details", {}).get("reasoning"))

# %% [teardown]
