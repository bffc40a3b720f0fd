import { NearBindgen, near, call, view } from "near-sdk-js";

/** A greeting anyone can read and anyone can change (your contract starts here). */
@NearBindgen({})
class Hello {
  greeting: string = "Hello";

  @view({})
  get_greeting(): string {
    return this.greeting;
  }

  @call({})
  set_greeting({ greeting }: { greeting: string }): void {
    if (greeting.length === 0 || greeting.length > 100) throw new Error("Hello: the greeting must be 1 to 100 characters");
    near.log(`Saving greeting ${greeting}`);
    this.greeting = greeting;
  }
}
